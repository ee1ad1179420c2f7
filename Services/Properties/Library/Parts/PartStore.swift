import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Reads and writes one kind of part through the kit's `RecordStore` (documents built in SQL by
/// `properties.part_document`, writes through `jsonb_populate_record`, one constraint mapping).
/// What it adds is the part's own: every write runs in one transaction with its parents resolved
/// and locked, its reference checks, its delete checks, its derived facts and its events.
struct PartStore<Part: PropertyPart>: Sendable {
    let records: RecordStore
    let outbox: OutboxPublisher
    let clock: ServiceClock

    init(postgres: PostgresClient, outbox: OutboxPublisher, clock: ServiceClock, ids: IDGenerator) {
        self.records = RecordStore(Part.kind, postgres: postgres, ids: ids)
        self.outbox = outbox
        self.clock = clock
    }

    /// Finds where the part lives and checks the caller may be there (`PartScope.property` …).
    typealias Resolve = @Sendable (PartIntent, PostgresConnection) async throws -> PartScope

    private var postgres: PostgresClient { self.records.postgres }

    /// The year the service's clock says it is: the bound of "built at most five years ahead".
    var currentYear: Int { Calendar(identifier: .gregorian).component(.year, from: self.clock.now) }

    /// One page in the part's order, narrowed by its equality filters.
    func list(_ resolve: Resolve, page: PageRequest, filters: [(column: String, value: String)], logger: Logger) async throws -> JSONDocument {
        try await self.postgres.withConnection { connection in
            let scope = try await resolve(.read, connection)
            return try await self.records.list(scope.parents, page: page, on: connection, logger: logger) { binds in
                filters.map { "x.\($0.column)::text = \(binds.add($0.value))" }
            }
        }
    }

    func find(_ resolve: Resolve, id: UUID, logger: Logger) async throws -> String {
        try await self.postgres.withConnection { connection in
            let scope = try await resolve(.read, connection)
            guard let document = try await self.records.find(id, scope.parents, on: connection, logger: logger) else {
                throw Part.kind.notFound
            }
            return document
        }
    }

    /// Creates a part from a `POST` body; returns its document and id.
    func create(_ resolve: Resolve, body: JSONValue, logger: Logger) async throws -> (document: String, id: UUID) {
        let currentYear = self.currentYear
        return try await self.postgres.transaction(logger: logger) { connection in
            let write = PartWrite(connection: connection, scope: try await resolve(Part.writeIntent, connection), outbox: self.outbox, logger: logger)
            // Who may write is settled before what they wrote is judged.
            let fields = try PartBody.create(body, as: Part.Fields.self, currentYear: currentYear)
            try await Self.checkReferences(fields, in: write)
            let (created, id) = try await self.records.insert(
                write.scope.parents, values: try PartBody.values(fields), on: connection, logger: logger)
            try await Part.didWrite(.created, document: created, id: id, in: write)
            return (created, id)
        }
    }

    /// Applies a `PATCH` body to a live part, locked for the duration so two edits cannot interleave.
    func update(_ resolve: Resolve, id: UUID, body: JSONValue, logger: Logger) async throws -> String {
        let currentYear = self.currentYear
        return try await self.postgres.transaction(logger: logger) { connection in
            let write = PartWrite(connection: connection, scope: try await resolve(Part.writeIntent, connection), outbox: self.outbox, logger: logger)
            guard let stored = try await self.records.stored(id, write.scope.parents, on: connection, logger: logger) else {
                throw Part.kind.notFound
            }
            let fields = try PartBody.merge(body, over: stored, as: Part.Fields.self, currentYear: currentYear)
            try await Self.checkReferences(fields, in: write)
            guard
                let updated = try await self.records.update(
                    id, write.scope.parents, values: try PartBody.values(fields), on: connection, logger: logger)
            else { throw Part.kind.notFound }
            try await Part.didWrite(.updated, document: updated, id: id, in: write)
            return updated
        }
    }

    /// Soft delete: the row stays for the record, out of every read.
    func delete(_ resolve: Resolve, id: UUID, logger: Logger) async throws {
        try await self.postgres.transaction(logger: logger) { connection in
            let write = PartWrite(connection: connection, scope: try await resolve(Part.writeIntent, connection), outbox: self.outbox, logger: logger)
            guard try await self.records.find(id, write.scope.parents, lock: true, on: connection, logger: logger) != nil else {
                throw Part.kind.notFound
            }
            try await Part.checkDelete(id, in: write)
            if let document = try await self.records.remove(id, write.scope.parents, on: connection, logger: logger) {
                try await Part.didWrite(.deleted, document: document, id: id, in: write)
            }
        }
    }

    private static func checkReferences(_ fields: Part.Fields, in write: PartWrite) async throws {
        var errors = FieldErrors()
        errors.add(contentsOf: try await Part.referenceProblems(fields, in: write))
        try errors.check()
    }
}
