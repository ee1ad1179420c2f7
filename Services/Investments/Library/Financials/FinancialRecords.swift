import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// One kind of property financials (seed 001 §2.5): income, expenses, performance, rent roll. All
/// four are rows of one property with the same five routes (`FinancialRecordController`, mounted
/// once per kind at its path in `InvestmentsService.swift`) over the kit's `RecordStore` (`kind`);
/// what differs is said here.
protocol FinancialRecord: Sendable {
    /// "income record", for messages such as "No income record has this id.".
    static var noun: String { get }
    static var table: String { get }
    /// The SQL function that makes a row's JSON (`financials.income_document`).
    static var rowDocument: String { get }
    /// Who reads them; writing is always the property's sponsor or an admin.
    static var readers: FinancialsAccess.Need { get }
    /// The keys a body may carry; a `PATCH` merges over these of the stored row.
    static var writable: [String] { get }
    /// Every column a write stores: the writable ones and the totals computed from them.
    static var stored: [String] { get }
    /// Keys of the document the server computes: refused in a body with a word saying so.
    static var derived: Set<String> { get }
    /// The list order: a SQL text expression over the row `x`, with the id as tie-break.
    static var order: Keyset { get }
    /// The 409 detail when a write meets the kind's unique key (one income record per period…).
    static var conflict: String { get }
    /// A whole body, checked field by field (422 naming each), as the columns to store (`stored`).
    static func columns(from body: JSONValue) throws -> [FinancialColumn]
    /// List conditions from the query string, as SQL over `x` with bound values.
    static func filters(_ query: Parameters, _ binds: inout SQLBinds) throws -> [String]
    /// The jsonb a read selects for row `x`; by default the row document.
    static var select: String { get }
    /// Turns what `select` gave into the response body; by default as it is.
    static func render(_ selected: String) throws -> String
}

extension FinancialRecord {
    static func filters(_ query: Parameters, _ binds: inout SQLBinds) throws -> [String] { [] }
    static var select: String { "\(Self.rowDocument)(x)" }
    static func render(_ selected: String) throws -> String { selected }

    /// The kind for the kit's `RecordStore`: rows of a property, deleted for good, a `PATCH`
    /// merged over the row document (performance answers a joined one), every unique key the
    /// kind's 409.
    static var kind: RecordKind {
        RecordKind(
            table: Self.table, document: Self.select, noun: Self.noun, columns: Self.stored, deletion: .hard,
            conflict: { _ in Self.conflict }, render: { try Self.render($0) }, stored: "\(Self.rowDocument)(x)"
        )
    }

    /// A whole body, checked, as the values object `RecordStore` writes.
    static func values(from body: JSONValue) throws -> [String: JSONValue] {
        Dictionary(uniqueKeysWithValues: try Self.columns(from: body).map { ($0.name, $0.json) })
    }
}

/// A column to store and its value. Names come from this module's kinds, never from a client.
struct FinancialColumn: Sendable {
    enum Value: Sendable {
        case money(Money?)
        case date(CalendarDate?)
        case integer(Int?)
        case text(String?)
        case uuid(UUID?)
    }

    var name: String
    var value: Value

    init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }

    /// The value as `jsonb_populate_record` reads it for the column's type: amounts as decimal
    /// strings, days as `YYYY-MM-DD`, ids as text.
    var json: JSONValue {
        switch self.value {
        case .money(let amount): amount.map { .string($0.description) } ?? .null
        case .date(let date): date.map { .string($0.description) } ?? .null
        case .integer(let number): number.map { .number(Double($0)) } ?? .null
        case .text(let text): text.map { .string($0) } ?? .null
        case .uuid(let id): id.map { .string($0.uuidString.lowercased()) } ?? .null
        }
    }
}

/// The five routes of one kind, mounted at `/v1/financials/properties/:property_id/<kind>`: list
/// and create on the collection, read, change (`PATCH`, merged) and delete on `…/{id}`. Every route
/// needs a signed-in caller (401 otherwise); `FinancialsAccess` decides the rest.
///
/// No `Idempotency-Key`: recording financials moves no money and sends nothing, and a retried
/// create meets the kind's unique key (409) rather than making a second row.
struct FinancialRecordController<Record: FinancialRecord>: RouteController {
    /// Over `Record.kind`.
    let store: RecordStore
    let access: FinancialsAccess

    init(postgres: PostgresClient, ids: IDGenerator, access: FinancialsAccess) {
        self.store = RecordStore(Record.kind, postgres: postgres, ids: ids)
        self.access = access
    }

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.list).post(use: self.create)
            .get(":id", use: self.show).patch(":id", use: self.update).delete(":id", use: self.delete)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let property = try await self.access.require(Record.readers, context: context)
        let page = try PageRequest(request, order: Record.order)
        let query = request.uri.queryParameters
        return try await self.store.list(Self.parents(property), page: page, logger: context.logger) { binds in
            try Record.filters(query, &binds)
        }
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let property = try await self.access.require(.write, context: context)
        let body = try await request.decode(as: JSONValue.self, context: context)
        let user = try context.identity.requireUser("Only users record financials.")
        let values = try Record.values(from: body)
        let (document, id) = try await self.store.create(
            Self.parents(property), values: values, also: Self.recorded(by: user), logger: context.logger)
        return JSONDocument(document, status: .created, headers: [.location: "\(request.uri.path)/\(id.uuidString.lowercased())"])
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let property = try await self.access.require(Record.readers, context: context)
        return JSONDocument(try await self.store.find(try Self.id(context), Self.parents(property), logger: context.logger))
    }

    /// The stored row with the keys sent laid over it, checked as a whole body, locked throughout.
    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let property = try await self.access.require(.write, context: context)
        let id = try Self.id(context)
        let patch = try await request.decode(as: JSONValue.self, context: context)
        let user = try context.identity.requireUser("Only users record financials.")
        let document = try await self.store.update(id, Self.parents(property), also: Self.recorded(by: user), logger: context.logger) { stored in
            try Record.values(from: try BodyFields.merging(patch, over: stored, writable: Record.writable))
        }
        return JSONDocument(document)
    }

    @Sendable func delete(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let property = try await self.access.require(.write, context: context)
        try await self.store.delete(try Self.id(context), Self.parents(property), logger: context.logger)
        return .noContent
    }

    static func id(_ context: AuthenticatedContext) throws -> UUID {
        try context.parameters.uuid("id", Record.noun)
    }

    /// Every read and write stays within the one property the caller was allowed into.
    static func parents(_ property: UUID) -> [RecordParent] { [RecordParent("property_id", property)] }

    /// Who recorded a row (the last writer): a user, never a service token.
    static func recorded(by user: UUID) -> [String: JSONValue] { ["recorded_by": .string(user.uuidString.lowercased())] }
}
