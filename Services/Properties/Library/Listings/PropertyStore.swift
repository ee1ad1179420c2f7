import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// `properties.properties`: reads as `property_document(p)` JSON, writes through
/// `jsonb_populate_record`, so the column list lives in one place (`PropertyFields.columns`) and
/// amounts travel as exact decimal strings.
/// A property with the JSON Postgres built for it: the logic reads `property`, responses send
/// `document` as it is.
struct PropertyRecord: Sendable {
    var property: Property
    var document: String
    /// The row's version (raised by every change): what events carry so followers keep the newest.
    var version: Int64

    init(_ document: String, version: Int64) throws {
        self.property = try PropertyStore.decode(document)
        self.document = document
        self.version = version
    }

    var snapshot: PropertySnapshot { self.property.snapshot(version: self.version) }
}

struct PropertyStore: Sendable {
    let postgres: PostgresClient
    let outbox: OutboxPublisher
    /// New listings' ids (the service's `IDGenerator`).
    let ids: IDGenerator

    static let columns = PropertyFields.columns.joined(separator: ", ")

    func find(_ reference: String, logger: Logger) async throws -> PropertyRecord? {
        // An id or a slug: slugs are never UUID-shaped (they are lowercase words and hyphens of
        // at most 80 characters, and a UUID has 36 with its hyphens in fixed places).
        let rows: PostgresRowSequence
        if let id = UUID(uuidString: reference) {
            rows = try await self.postgres.query(
                "SELECT properties.property_document(p)::text, p.version FROM properties.properties p WHERE id = \(id) AND deleted_at IS NULL",
                logger: logger
            )
        } else {
            rows = try await self.postgres.query(
                "SELECT properties.property_document(p)::text, p.version FROM properties.properties p WHERE slug = \(reference) AND deleted_at IS NULL",
                logger: logger
            )
        }
        for try await (document, version) in rows.decode((String, Int64).self) { return try PropertyRecord(document, version: version) }
        return nil
    }

    func create(_ fields: PropertyFields, by identity: Identity, logger: Logger) async throws -> PropertyRecord {
        let sponsorID = try identity.requireUser("Only users list properties.")
        let id = self.ids.next()
        let document = try Self.encode(fields)
        let base = Slug.make(from: fields.propertyName)
        // A listing made while an organisation is active belongs to it, unless the caller only
        // views that organisation (a listing they could not then edit).
        let organizationID = identity.organizationRole?.canEdit == true ? identity.organizationID : nil
        return try await self.postgres.transaction(logger: logger) { connection in
            // A taken slug gets the id's last characters, which are random in a UUIDv7.
            for slug in [base, base + "-" + id.uuidString.suffix(6).lowercased()] {
                let rows = try await connection.query(
                    """
                    INSERT INTO properties.properties AS p (id, slug, sponsor_id, organization_id, \(unescaped: Self.columns))
                    SELECT \(id), \(slug), \(sponsorID), \(organizationID), \(unescaped: Self.columns)
                    FROM jsonb_populate_record(NULL::properties.properties, \(document)::jsonb)
                    ON CONFLICT (slug) DO NOTHING
                    RETURNING properties.property_document(p)::text, p.version
                    """,
                    logger: logger
                )
                for try await (text, version) in rows.decode((String, Int64).self) {
                    let record = try PropertyRecord(text, version: version)
                    if record.property.isPublished {
                        try await self.outbox.publish(PropertyPublished(property: record.snapshot), on: connection, logger: logger)
                    }
                    return record
                }
            }
            throw Problem.conflict("Could not give the property a unique slug; try again.")
        }
    }

    /// Applies `change` (what `PATCH` sent, merged over the stored fields by `PropertyPatch`) to
    /// the row, locked for the duration so two edits cannot interleave.
    func update(
        _ id: UUID,
        access: PropertyAccess,
        logger: Logger,
        change: @Sendable (Property) throws -> PropertyFields
    ) async throws -> PropertyRecord {
        try await self.postgres.transaction(logger: logger) { connection in
            let current = try await Self.lockForEdit(id, access: access, to: "change", on: connection, logger: logger)
            let fields = try change(current)
            let document = try Self.encode(fields)
            let updatedRows = try await connection.query(
                """
                UPDATE properties.properties AS p
                SET (\(unescaped: Self.columns)) = (
                        SELECT \(unescaped: Self.columns) FROM jsonb_populate_record(NULL::properties.properties, \(document)::jsonb)
                    ),
                    updated_at = now()
                WHERE id = \(id)
                RETURNING properties.property_document(p)::text, p.version
                """,
                logger: logger
            )
            var updated: PropertyRecord?
            for try await (text, version) in updatedRows.decode((String, Int64).self) { updated = try PropertyRecord(text, version: version) }
            guard let updated else { throw Problem.notFound("No property has this id.") }
            try await self.publishChanges(from: current, to: updated, on: connection, logger: logger)
            return updated
        }
    }

    func delete(_ id: UUID, access: PropertyAccess, logger: Logger) async throws {
        try await self.postgres.transaction(logger: logger) { connection in
            let current = try await Self.lockForEdit(id, access: access, to: "delete", on: connection, logger: logger)
            let rows = try await connection.query(
                "UPDATE properties.properties SET deleted_at = now(), updated_at = now() WHERE id = \(current.id) RETURNING version",
                logger: logger
            )
            var version: Int64?
            for try await raised in rows.decode(Int64.self) { version = raised }
            try await self.outbox.publish(PropertyDeleted(propertyId: current.id, version: version), on: connection, logger: logger)
        }
    }

    /// The live property, locked for the rest of the transaction, once the caller may `verb` it:
    /// 404 when they may not even see it (its existence is not theirs to learn), 403 when they see
    /// it but do not own it.
    private static func lockForEdit(
        _ id: UUID,
        access: PropertyAccess,
        to verb: String,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Property {
        let rows = try await connection.query(
            """
            SELECT properties.property_document(p)::text FROM properties.properties p
            WHERE id = \(id) AND deleted_at IS NULL FOR UPDATE
            """,
            logger: logger
        )
        var current: Property?
        for try await text in rows.decode(String.self) { current = try Self.decode(text) }
        guard let current, access.canRead(current) else { throw Problem.notFound("No property has this id.") }
        guard access.canEdit(current) else { throw Problem.forbidden("Only the property's sponsor or an admin may \(verb) it.") }
        return current
    }

    /// `property.published` when it becomes visible to investors, `property.offering_changed` when
    /// its terms change, `property.updated` for any change.
    private func publishChanges(from old: Property, to record: PropertyRecord, on connection: PostgresConnection, logger: Logger) async throws {
        let new = record.property
        let changed = try Self.changedFields(old.fields, new.fields)
        guard !changed.isEmpty else { return }
        if new.isPublished, !old.isPublished {
            try await self.outbox.publish(PropertyPublished(property: record.snapshot), on: connection, logger: logger)
        }
        let offering = changed.filter(Self.offeringFields.contains)
        if !offering.isEmpty {
            try await self.outbox.publish(
                PropertyOfferingChanged(property: record.snapshot, changedFields: offering), on: connection, logger: logger
            )
        }
        try await self.outbox.publish(PropertyUpdated(property: record.snapshot, changedFields: changed), on: connection, logger: logger)
    }

    static let offeringFields: Set = ["investment_open", "minimum_investment", "maximum_investment", "target_raise"]

    /// The JSON keys whose values differ.
    static func changedFields(_ old: PropertyFields, _ new: PropertyFields) throws -> [String] {
        let before = try JSONValue(encoding: old)
        let after = try JSONValue(encoding: new)
        return PropertyFields.columns.filter { before[$0] != after[$0] }
    }

    static func encode(_ fields: PropertyFields) throws -> String {
        String(decoding: try JSONEncoder.tract.encode(fields), as: UTF8.self)
    }

    static func decode(_ document: String) throws -> Property {
        try JSONDecoder.tract.decode(Property.self, from: Data(document.utf8))
    }

}

extension Property {
    func snapshot(version: Int64) -> PropertySnapshot {
        PropertySnapshot(
            propertyId: self.id, slug: self.slug, propertyName: self.fields.propertyName, status: self.status.rawValue,
            visibility: self.visibility.rawValue, city: self.fields.city, state: self.fields.state,
            propertyType: self.fields.propertyType, propertyClass: self.fields.propertyClass, inOz: self.inOz,
            ozTractGeoid: self.fields.ozTractGeoid, investmentOpen: self.fields.investmentOpen ?? false,
            minimumInvestment: self.fields.minimumInvestment, maximumInvestment: self.fields.maximumInvestment,
            targetRaise: self.fields.targetRaise, sponsorId: self.sponsorId, version: version
        )
    }
}
