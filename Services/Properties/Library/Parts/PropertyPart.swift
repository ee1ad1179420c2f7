import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// What a sponsor writes about one part of a property (a unit, a floor plan, a valuation…): the
/// body of `POST` and, merged over the stored values, of `PATCH`. Ids, parents and timestamps are
/// not fields, so a client cannot set them. Validation is pure: `problems` needs no database.
protocol PartFields: Codable, Sendable, Equatable {
    /// Every writable key, declared `CaseIterable` so the column list is the struct's own.
    associatedtype Keys: CodingKey & CaseIterable & RawRepresentable<String>
    /// Columns that always have a value (`NOT NULL`): `PATCH` may not set them to `null`.
    static var required: Set<String> { get }
    /// What a new part starts with where the sponsor said nothing.
    func withDefaults() -> Self
    /// Every invalid field at once; the same rules are CHECK constraints in 0006_property_parts.sql.
    func problems(currentYear: Int) -> [ProblemDetails.FieldError]
}

extension PartFields {
    /// The JSON keys and SQL columns, in declaration order (`unitNumber` → `unit_number`).
    static var columns: [String] { Keys.allCases.map { snakeCase($0.rawValue) } }
    func withDefaults() -> Self { self }
}

/// One kind of part: its table and the few things about it that the shared controller and store
/// (`PartController`, `PartStore` over the kit's `RecordStore`) cannot know. The hooks run inside
/// the write's transaction.
protocol PropertyPart: Sendable {
    associatedtype Fields: PartFields
    /// `properties.units`.
    static var table: String { get }
    /// "unit", for messages such as "No unit has this id.".
    static var noun: String { get }
    /// Columns holding money: they leave Postgres as exact decimal strings.
    static var amounts: [String] { get }
    /// What its rows hang from, read from the path.
    static var parents: PartParents { get }
    /// The path parameter naming one part: `part_id`, or `project_id` for a renovation project.
    static var item: PartItem { get }
    /// The list order (the kit's `Keyset`: a never-null key over `x`, the id as tie-break).
    /// Default: creation order (ids are UUIDv7).
    static var order: Keyset { get }
    /// Query parameters a list filters on by equality, each named as its column.
    static var filters: [String] { get }
    /// The 409 detail for a unique index this part's writes can hit.
    static func conflict(index: String) -> String?
    /// Rules that need the database (a referenced row of the same property), as field errors.
    static func referenceProblems(_ fields: Fields, in write: PartWrite) async throws -> [ProblemDetails.FieldError]
    /// Refuses a delete that would leave others pointing at nothing (409).
    static func checkDelete(_ id: UUID, in write: PartWrite) async throws
    /// Keeps derived facts in step and publishes events after a write.
    static func didWrite(_ change: PartChange, document: String, id: UUID, in write: PartWrite) async throws
    /// How a write holds the property: `.write`, or `.writeProperty` when `didWrite` changes it.
    static var writeIntent: PartIntent { get }
}

extension PropertyPart {
    static var parents: PartParents { .property }
    static var item: PartItem { .part }
    static var order: Keyset { Keyset(Self.table, key: "x.id", type: "uuid", descending: false) }
    static var filters: [String] { [] }
    static func conflict(index: String) -> String? { nil }
    static func referenceProblems(_ fields: Fields, in write: PartWrite) async throws -> [ProblemDetails.FieldError] { [] }
    static func checkDelete(_ id: UUID, in write: PartWrite) async throws {}
    static func didWrite(_ change: PartChange, document: String, id: UUID, in write: PartWrite) async throws {}
    static var writeIntent: PartIntent { .write }

    /// The part as a kit record: documents by `properties.part_document` (amounts as exact
    /// decimal strings), the fields' own columns, soft deleted.
    static var kind: RecordKind {
        let amounts = Self.amounts.map { "'\($0)'" }.joined(separator: ", ")
        return RecordKind(
            table: Self.table,
            document: "properties.part_document(to_jsonb(x), ARRAY[\(amounts)]::text[])",
            noun: Self.noun,
            columns: Fields.columns,
            deletion: .soft,
            conflict: { Self.conflict(index: $0) }
        )
    }
}

enum PartChange: Sendable { case created, updated, deleted }

/// A write in progress: its transaction's connection, where the part lives, and the outbox.
struct PartWrite: Sendable {
    let connection: PostgresConnection
    let scope: PartScope
    let outbox: OutboxPublisher
    let logger: Logger
}

/// Where a part lives, once the caller has been allowed there: its property (none for market
/// areas) and the parent columns its rows carry, e.g. `property_id`, or `project_id` for a
/// renovation's progress updates.
struct PartScope: Sendable {
    var property: Property?
    var parents: [RecordParent]

    func id(of column: String) -> UUID? { self.parents.first { $0.column == column }?.id }
}

/// Whether a request reads or changes parts: a change needs more rights and locks the parents.
enum PartIntent: Sendable, Equatable {
    case read
    case write
    /// A write that also changes the property's own row (a valuation sets its current valuation):
    /// it takes the property's row lock for update up front, because two writes that each held
    /// `FOR SHARE` and then both updated the row would deadlock.
    case writeProperty

    var isWrite: Bool { self != .read }

    /// The lock a write holds on the property for its whole transaction.
    var propertyLock: String {
        switch self {
        case .read: ""
        case .write: "FOR SHARE"
        case .writeProperty: "FOR NO KEY UPDATE"
        }
    }
}

extension PartScope {
    /// The parts of property `id`, visible exactly when the property is (`PropertyAccess`): 404
    /// when the caller cannot see the property, 403 when they see it but may not change it. A
    /// write holds the property `FOR SHARE`, so it cannot be deleted under the write.
    static func property(
        _ id: UUID,
        access: PropertyAccess,
        intent: PartIntent,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> PartScope {
        let rows = try await connection.query(
            """
            SELECT properties.property_document(p)::text FROM properties.properties p
            WHERE id = \(id) AND deleted_at IS NULL \(unescaped: intent.propertyLock)
            """,
            logger: logger
        )
        var property: Property?
        for try await text in rows.decode(String.self) { property = try PropertyStore.decode(text) }
        guard let property, access.canRead(property) else { throw Problem.notFound("No property has this id.") }
        if intent.isWrite, !access.canEdit(property) {
            throw Problem.forbidden("Only the property's sponsor or an admin may change its details.")
        }
        return PartScope(property: property, parents: [RecordParent("property_id", id)])
    }

    /// The parts of renovation project `projectID` of property `propertyID`: the property's rules,
    /// then the project must be live and the property's own.
    static func project(
        _ projectID: UUID,
        of propertyID: UUID,
        access: PropertyAccess,
        intent: PartIntent,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> PartScope {
        var scope = try await Self.property(propertyID, access: access, intent: intent, on: connection, logger: logger)
        let rows = try await connection.query(
            """
            SELECT id FROM properties.renovation_projects
            WHERE id = \(projectID) AND property_id = \(propertyID) AND deleted_at IS NULL
            \(unescaped: intent.isWrite ? "FOR SHARE" : "")
            """,
            logger: logger
        )
        var found = false
        for try await _ in rows.decode(UUID.self) { found = true }
        guard found else { throw Problem.notFound("No renovation project has this id.") }
        scope.parents.append(RecordParent("project_id", projectID))
        return scope
    }
}
