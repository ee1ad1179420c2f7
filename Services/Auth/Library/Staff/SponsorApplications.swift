import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// SQL for `auth.sponsor_applications`. Decisions are one compare-and-swap on `status`, so two
/// staff deciding at once cannot both win.
struct SponsorApplications: Sendable {
    let postgres: PostgresClient
    let ids: IDGenerator

    static let columns = """
        x.id, x.user_id, x.status, x.legal_name, x.website, x.tax_id, x.applicant_title, x.description, x.project_count,
        x.markets, x.rejection_reason, x.decided_at, x.created_at
        """

    static func decode(_ rows: PostgresRowSequence, keyed: Bool = false) async throws -> [(item: SponsorApplicationView, key: String, id: UUID)] {
        var found: [(item: SponsorApplicationView, key: String, id: UUID)] = []
        if keyed {
            for try await row in rows.decode(
                (UUID, UUID, String, String, String?, String, String, String, Int32, [String], String?, Date?, Date, String).self)
            {
                found.append((Self.view(row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10, row.11, row.12), row.13, row.0))
            }
        } else {
            for try await row in rows.decode(
                (UUID, UUID, String, String, String?, String, String, String, Int32, [String], String?, Date?, Date).self)
            {
                found.append((Self.view(row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10, row.11, row.12), "", row.0))
            }
        }
        return found
    }

    static func view(
        _ id: UUID, _ userID: UUID, _ status: String, _ legalName: String, _ website: String?, _ taxID: String, _ title: String,
        _ description: String, _ projectCount: Int32, _ markets: [String], _ reason: String?, _ decidedAt: Date?, _ createdAt: Date
    ) -> SponsorApplicationView {
        SponsorApplicationView(
            id: id, userId: userID, status: status, legalName: legalName, website: website, taxId: taxID, title: title,
            description: description, projectCount: Int(projectCount), markets: markets, rejectionReason: reason, decidedAt: decidedAt,
            createdAt: createdAt)
    }

    /// Files the application; nil when the user already has one pending (the partial unique index).
    func create(userID: UUID, _ request: SponsorApplicationRequest, on connection: PostgresConnection, logger: Logger) async throws
        -> SponsorApplicationView?
    {
        let rows = try await connection.query(
            """
            INSERT INTO auth.sponsor_applications AS x
                (id, user_id, legal_name, website, tax_id, applicant_title, description, project_count, markets)
            VALUES (\(self.ids.next()), \(userID), \(request.legalName), \(request.website), \(request.taxId), \(request.title),
                    \(request.description), \(request.projectCount), \(request.markets ?? []))
            ON CONFLICT (user_id) WHERE status = 'pending' DO NOTHING
            RETURNING \(unescaped: Self.columns)
            """,
            logger: logger
        )
        return try await Self.decode(rows).first?.item
    }

    /// The user's own applications, newest first.
    func mine(userID: UUID, _ page: PageRequest, logger: Logger) async throws -> Page<SponsorApplicationView> {
        var binds = SQLBinds()
        let sql = """
            SELECT \(Self.columns), \(page.selectKey) FROM auth.sponsor_applications x
            WHERE x.user_id = \(binds.add(userID)) AND \(page.after(&binds))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await page.page(Self.decode(self.postgres.query(binds.query(sql), logger: logger), keyed: true))
    }

    /// Every application, or those in `status`, newest first (staff).
    func all(status: String?, _ page: PageRequest, logger: Logger) async throws -> Page<SponsorApplicationView> {
        var binds = SQLBinds()
        let filter = status.map { "x.status = \(binds.add($0))" } ?? "TRUE"
        let sql = """
            SELECT \(Self.columns), \(page.selectKey) FROM auth.sponsor_applications x
            WHERE \(filter) AND \(page.after(&binds))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await page.page(Self.decode(self.postgres.query(binds.query(sql), logger: logger), keyed: true))
    }

    /// Decides a pending application; nil when there is no such application, `.decided` when
    /// someone already did.
    func decide(
        _ id: UUID, approve: Bool, reason: String?, by staff: UUID, on connection: PostgresConnection, logger: Logger
    ) async throws -> Decision {
        let status = approve ? "approved" : "rejected"
        let rows = try await connection.query(
            """
            UPDATE auth.sponsor_applications AS x SET status = \(status), rejection_reason = \(reason), decided_by = \(staff),
                decided_at = now(), updated_at = now()
            WHERE x.id = \(id) AND x.status = 'pending'
            RETURNING \(unescaped: Self.columns)
            """,
            logger: logger
        )
        if let decided = try await Self.decode(rows).first?.item { return .decided(decided) }
        let exists = try await connection.query("SELECT 1 FROM auth.sponsor_applications WHERE id = \(id)", logger: logger)
        for try await _ in exists.decode(Int.self) { return .alreadyDecided }
        return .missing
    }

    enum Decision: Sendable {
        case decided(SponsorApplicationView)
        case alreadyDecided
        case missing
    }
}
