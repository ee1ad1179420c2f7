import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// `/v1/offerings`: sponsors open an offering on a property they listed; signed-in users browse
/// the open ones. Offerings are read as `offering_document` JSON built by Postgres.
struct OfferingController: RouteController {
    let store: OfferingStore
    let properties: PropertyCopies

    /// Mounted at `/v1/offerings`; every route needs a signed-in caller.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.list).post(use: self.create)
            .get(":id", use: self.show).patch(":id", use: self.update)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try await self.store.list(for: context.identity, page: try PageRequest(request), logger: context.logger)
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try context.identity.requireRole(.sponsor, .admin)
        let body = try await request.decode(as: NewOffering.self, context: context)
        let property = try await self.properties.fetch(body.propertyId, context: context.callContext)
        guard context.identity.has(role: .admin) || property.sponsorId == context.identity.userID else {
            throw Problem.forbidden("Only the property's sponsor or an admin may open an offering on it.")
        }
        let asked = body.terms
        let terms = OfferingTerms(
            name: asked.name ?? property.propertyName,
            status: asked.status ?? "open",
            openDate: asked.openDate,
            closeDate: asked.closeDate,
            minimumInvestment: asked.minimumInvestment ?? property.minimumInvestment,
            maximumInvestment: asked.maximumInvestment ?? property.maximumInvestment,
            targetRaise: asked.targetRaise ?? property.targetRaise,
            shareClasses: asked.shareClasses ?? ["common"],
            requiresAccreditation: asked.requiresAccreditation ?? true
        )
        try terms.problems().check()
        // Opened while an organisation is active (and the caller may edit there): it owns the offering.
        let organization =
            context.identity.organizationRole?.canEdit == true ? context.identity.organizationID.flatMap(UUID.init(uuidString:)) : nil
        let document = try await self.store.create(terms, property: property, organization: organization, logger: context.logger)
        return JSONDocument(document.text, status: .created, headers: [.location: "/v1/offerings/\(document.id.uuidString.lowercased())"])
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let id = try Self.id(context)
        guard let offering = try await self.store.find(id, logger: context.logger), offering.isVisible(to: context.identity) else {
            throw Problem.notFound("No offering has this id.")
        }
        return JSONDocument(offering.text)
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let id = try Self.id(context)
        let change = try await request.decode(as: OfferingChange.self, context: context)
        return JSONDocument(try await self.store.update(id, change, by: context.identity, logger: context.logger).text)
    }

    static func id(_ context: AuthenticatedContext, _ name: String = "id") throws -> UUID {
        try context.parameters.uuid(name, "offering")
    }
}

/// An offering as stored: the figures the rules need, and the document clients get.
struct Offering: Sendable {
    var id: UUID
    var propertyId: UUID
    var sponsorId: UUID
    /// The organisation that owns the offering, if it was opened while one was active.
    var organizationId: UUID?
    var status: String
    var terms: OfferingTerms
    var amountRaised: Money
    var text: String

    /// Drafts are the sponsor's (and their organisation's) own business until they open; every
    /// member of the owning organisation sees them, viewers included.
    func isVisible(to identity: Identity) -> Bool {
        self.status != "draft" || self.canManage(identity) || identity.acts(in: self.organizationId) { _ in true }
    }

    /// Admins, the sponsor who opened it, and members of the owning organisation whose role may
    /// edit (owner, admin, member; the same rule as properties' `PropertyAccess`, and for the same
    /// reason the organisation's role needs no sponsor role beside it).
    func canManage(_ identity: Identity) -> Bool {
        identity.has(role: .admin) || (identity.has(role: .sponsor) && identity.userID == self.sponsorId)
            || (identity.userID != nil && identity.acts(in: self.organizationId, \.canEdit))
    }
}

struct OfferingStore: Sendable {
    let postgres: PostgresClient
    let ids: IDGenerator

    static let select = """
        SELECT o.id, o.property_id, o.sponsor_id, o.organization_id, o.status, o.name, o.open_date::text, o.close_date::text, o.minimum_investment,
               o.maximum_investment, o.target_raise, o.share_classes, o.requires_accreditation, o.amount_raised,
               investments.offering_document(o, p)::text
        FROM investments.offerings o JOIN investments.property_copies p USING (property_id)
        """

    typealias Row = (UUID, UUID, UUID, UUID?, String, String, String?, String?, Money, Money?, Money, [String], Bool, Money, String)

    static func offering(_ row: Row) -> Offering {
        Offering(
            id: row.0, propertyId: row.1, sponsorId: row.2, organizationId: row.3, status: row.4,
            terms: OfferingTerms(
                name: row.5, status: row.4, openDate: row.6.flatMap(CalendarDate.init), closeDate: row.7.flatMap(CalendarDate.init),
                minimumInvestment: row.8, maximumInvestment: row.9, targetRaise: row.10, shareClasses: row.11,
                requiresAccreditation: row.12
            ),
            amountRaised: row.13, text: row.14
        )
    }

    /// `organization`: the creator's active organisation, when their role there may edit.
    func create(_ terms: OfferingTerms, property: PropertySnapshot, organization: UUID?, logger: Logger) async throws -> (id: UUID, text: String) {
        let id = self.ids.next()
        return try await self.postgres.transaction(logger: logger) { connection in
            try await PropertyCopies.save(property, on: connection, logger: logger)
            let rows = try await connection.query(
                """
                INSERT INTO investments.offerings
                    (id, property_id, sponsor_id, organization_id, name, status, open_date, close_date, minimum_investment,
                     maximum_investment, target_raise, share_classes, requires_accreditation)
                VALUES (\(id), \(property.propertyId), \(property.sponsorId), \(organization), \(terms.name), \(terms.status),
                        \(terms.openDate?.description)::date, \(terms.closeDate?.description)::date, \(terms.minimumInvestment),
                        \(terms.maximumInvestment), \(terms.targetRaise), \(terms.shareClasses), \(terms.requiresAccreditation))
                ON CONFLICT (property_id) DO NOTHING
                RETURNING id
                """,
                logger: logger
            )
            var inserted = false
            for try await _ in rows { inserted = true }
            guard inserted else { throw Problem.conflict("This property already has an offering; change that one instead.") }
            guard let offering = try await Self.find(id, on: connection, lock: false, logger: logger) else {
                throw Problem.conflict("The offering could not be read back; try again.")
            }
            return (id, offering.text)
        }
    }

    func find(_ id: UUID, logger: Logger) async throws -> Offering? {
        let rows = try await self.postgres.query("\(unescaped: Self.select) WHERE o.id = \(id)", logger: logger)
        for try await row in rows.decode(Row.self) { return Self.offering(row) }
        return nil
    }

    static func find(_ id: UUID, on connection: PostgresConnection, lock: Bool, logger: Logger) async throws -> Offering? {
        let rows = try await connection.query(
            "\(unescaped: Self.select) WHERE o.id = \(id) \(unescaped: lock ? "FOR UPDATE OF o" : "")", logger: logger
        )
        for try await row in rows.decode(Row.self) { return Self.offering(row) }
        return nil
    }

    /// Open and closed offerings for everyone signed in, newest first; drafts and cancelled ones
    /// only for their sponsor and admins.
    func list(for identity: Identity, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        var binds = SQLBinds()
        var conditions: [String] = []
        if !identity.has(role: .admin) {
            var visible = ["x.status IN ('open', 'closed')"]
            if identity.has(role: .sponsor), let userID = identity.userID { visible.append("x.sponsor_id = \(binds.add(userID))") }
            if identity.userID != nil, identity.organizationRole != nil, let organization = identity.organizationID.flatMap(UUID.init(uuidString:)) {
                visible.append("x.organization_id = \(binds.add(organization))")
            }
            conditions.append("(\(visible.joined(separator: " OR ")))")
        }
        conditions.append(page.after(&binds))
        let sql = """
            SELECT investments.offering_document(x, p)::text, \(page.selectKey), x.id
            FROM investments.offerings x JOIN investments.property_copies p USING (property_id)
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }

    func update(_ id: UUID, _ change: OfferingChange, by identity: Identity, logger: Logger) async throws -> Offering {
        try await self.postgres.transaction(logger: logger) { connection in
            // Locked so a commitment cannot slip in between the check on the target and the write.
            guard let current = try await Self.find(id, on: connection, lock: true, logger: logger), current.isVisible(to: identity) else {
                throw Problem.notFound("No offering has this id.")
            }
            guard current.canManage(identity) else { throw Problem.forbidden("Only the offering's sponsor or an admin may change it.") }
            var terms = current.terms
            terms.name = change.name ?? terms.name
            terms.status = change.status ?? terms.status
            terms.openDate = change.openDate ?? terms.openDate
            terms.closeDate = change.closeDate ?? terms.closeDate
            terms.minimumInvestment = change.minimumInvestment ?? terms.minimumInvestment
            terms.maximumInvestment = change.maximumInvestment ?? terms.maximumInvestment
            terms.targetRaise = change.targetRaise ?? terms.targetRaise
            terms.shareClasses = change.shareClasses ?? terms.shareClasses
            terms.requiresAccreditation = change.requiresAccreditation ?? terms.requiresAccreditation
            var errors = terms.problems(amountRaised: current.amountRaised)
            if current.status == "cancelled", terms.status != "cancelled" {
                errors.add("status", "a cancelled offering stays cancelled")
            }
            try errors.check()
            try await connection.query(
                """
                UPDATE investments.offerings SET name = \(terms.name), status = \(terms.status),
                    open_date = \(terms.openDate?.description)::date, close_date = \(terms.closeDate?.description)::date,
                    minimum_investment = \(terms.minimumInvestment), maximum_investment = \(terms.maximumInvestment),
                    target_raise = \(terms.targetRaise), share_classes = \(terms.shareClasses),
                    requires_accreditation = \(terms.requiresAccreditation), updated_at = now()
                WHERE id = \(id)
                """,
                logger: logger
            )
            guard let updated = try await Self.find(id, on: connection, lock: false, logger: logger) else {
                throw Problem.notFound("No offering has this id.")
            }
            return updated
        }
    }
}
