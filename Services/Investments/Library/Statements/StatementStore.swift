import Foundation
import HTTPTypes
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Statements in the database: drafts recomputed from the ledger until they are made final, the
/// final document frozen with its hash, and `sent` recorded with the email request in one
/// transaction, so a statement is never marked sent without its mail queued (or the reverse).
struct StatementStore: Sendable {
    let postgres: PostgresClient
    let outbox: OutboxPublisher
    let document: StatementDocument
    let contacts: InvestorContacts
    /// Base of the link in the email (`PUBLIC_URL`, the app the investor signs in to).
    let publicURL: URL
    let clock: ServiceClock
    let ids: IDGenerator

    /// What the ledger says for the investor and period, read on `connection`.
    static func content(for investor: UUID, period: StatementPeriod, on connection: PostgresConnection, logger: Logger) async throws
        -> StatementContent
    {
        let positionRows = try await connection.query(
            """
            SELECT i.id, p.property_name, p.city, p.state, i.share_class, i.amount
            FROM investments.investments i JOIN investments.property_copies p USING (property_id)
            WHERE i.investor_id = \(investor) ORDER BY i.created_at, i.id
            """,
            logger: logger
        )
        var positions: [StatementPosition] = []
        for try await row in positionRows.decode((UUID, String, String, String, String, Money).self) {
            positions.append(StatementPosition(investmentId: row.0, propertyName: row.1, city: row.2, state: row.3, shareClass: row.4, amount: row.5))
        }
        let ledgerRows = try await connection.query(
            """
            SELECT t.occurred_on::text, t.type, t.status, t.amount, t.investment_id, coalesce(p.property_name, 'Unknown property'), t.description
            FROM investments.transactions t
            LEFT JOIN investments.investments i ON i.id = t.investment_id
            LEFT JOIN investments.property_copies p ON p.property_id = i.property_id
            WHERE t.investor_id = \(investor) AND t.occurred_on <= \(period.end.description)::date
            ORDER BY t.occurred_on, t.created_at, t.id
            """,
            logger: logger
        )
        var ledger: [StatementLedgerLine] = []
        for try await row in ledgerRows.decode((String, String, String, Money, UUID?, String, String?).self) {
            guard let day = CalendarDate(row.0) else { continue }
            ledger.append(
                StatementLedgerLine(
                    date: day, type: row.1, status: row.2, amount: row.3, investmentId: row.4, propertyName: row.5, description: row.6)
            )
        }
        return StatementContent.build(period: period, positions: positions, ledger: ledger)
    }

    /// Creates the draft, or recomputes it if one exists; 409 once the statement is final.
    /// Returns the statement's id, its document and whether it was created.
    func draft(for investor: UUID, period: StatementPeriod, by staff: UUID, logger: Logger) async throws
        -> (id: UUID, document: String, created: Bool)
    {
        try await self.postgres.transaction(logger: logger) { connection in
            try await self.draft(for: investor, period: period, by: staff, on: connection, logger: logger)
        }
    }

    private func draft(for investor: UUID, period: StatementPeriod, by staff: UUID, on connection: PostgresConnection, logger: Logger)
        async throws -> (id: UUID, document: String, created: Bool)
    {
        let content = try await Self.content(for: investor, period: period, on: connection, logger: logger)
        let parts = try Self.encodedParts(content)
        let rows = try await connection.query(
            """
            INSERT INTO investments.statements AS s
                (id, investor_id, type, period_start, period_end, summary, transactions, holdings, performance, created_by)
            VALUES (\(self.ids.next()), \(investor), \(period.kind.rawValue), \(period.start.description)::date, \(period.end.description)::date,
                    \(parts.summary)::jsonb, \(parts.transactions)::jsonb, \(parts.holdings)::jsonb, \(parts.performance)::jsonb,
                    \(staff))
            ON CONFLICT (investor_id, type, period_start, period_end) DO UPDATE SET
                summary = EXCLUDED.summary, transactions = EXCLUDED.transactions, holdings = EXCLUDED.holdings,
                performance = EXCLUDED.performance, updated_at = now()
            WHERE s.status = 'draft'
            RETURNING s.id, investments.statement_document(s)::text, (xmax = 0)
            """,
            logger: logger
        )
        for try await (id, document, created) in rows.decode((UUID, String, Bool).self) { return (id, document, created) }
        throw Problem.conflict("This investor's \(period.title) for \(period.label) is already final; it can no longer change.")
    }

    /// Drafts the period's statement for every investor with ledger entries by its end. Each is its
    /// own transaction, so one investor's failure does not undo the others.
    func draftAll(period: StatementPeriod, by staff: UUID, logger: Logger) async throws -> (drafted: Int, alreadyFinal: Int) {
        let rows = try await self.postgres.query(
            """
            SELECT DISTINCT investor_id FROM investments.transactions WHERE occurred_on <= \(period.end.description)::date
            ORDER BY investor_id
            """,
            logger: logger
        )
        var investors: [UUID] = []
        for try await investor in rows.decode(UUID.self) { investors.append(investor) }
        var drafted = 0
        var alreadyFinal = 0
        for investor in investors {
            do {
                _ = try await self.draft(for: investor, period: period, by: staff, logger: logger)
                drafted += 1
            } catch let problem as Problem where problem.status == .conflict {
                alreadyFinal += 1
            }
        }
        return (drafted, alreadyFinal)
    }

    /// draft → final: recomputed one last time, rendered, hashed and frozen. Only once the period
    /// has ended, so a final statement can never miss an entry dated inside it.
    func finalize(_ id: UUID, context: CallContext, logger: Logger) async throws -> String {
        // Names come from auth before the transaction opens: no lock is held across the call.
        let header = try await self.postgres.withConnection { connection in
            try await Self.header(id, on: connection, logger: logger)
        }
        guard header.status == "draft" else { throw Problem.conflict("This statement is already \(header.status).") }
        try Self.requireEnded(header.period, today: CalendarDate.day(of: self.clock.now))
        let names = try await StatementNames.lookUp(
            investor: header.investor, directory: self.contacts.directory, postgres: self.postgres, context: context, logger: logger)
        return try await self.postgres.transaction(logger: logger) { connection in
            let found = try await Self.lockedHeader(id, on: connection, logger: logger)
            guard found.status == "draft" else { throw Problem.conflict("This statement is already \(found.status).") }
            let today = CalendarDate.day(of: self.clock.now)
            try Self.requireEnded(found.period, today: today)
            let content = try await Self.content(for: found.investor, period: found.period, on: connection, logger: logger)
            let parts = try Self.encodedParts(content)
            let rendered = self.document.render(
                content, names: names, period: found.period, statementID: id, investorID: found.investor, issuedOn: today)
            let rows = try await connection.query(
                """
                UPDATE investments.statements s SET summary = \(parts.summary)::jsonb, transactions = \(parts.transactions)::jsonb,
                    holdings = \(parts.holdings)::jsonb, performance = \(parts.performance)::jsonb,
                    document = \(rendered.html), document_content_type = \(StatementDocument.contentType), document_hash = \(rendered.sha256),
                    status = 'final', finalized_at = now(), updated_at = now()
                WHERE id = \(id) RETURNING investments.statement_document(s)::text
                """,
                logger: logger
            )
            for try await document in rows.decode(String.self) { return document }
            throw Problem.notFound("No statement has this id.")
        }
    }

    static func requireEnded(_ period: StatementPeriod, today: CalendarDate) throws {
        guard period.end < today else {
            throw Problem.conflict("The period ends on \(period.end); a statement can be made final from the day after.")
        }
    }

    /// final → sent: the investor's address comes from auth first (no transaction is held open
    /// across the call); then the status, the email request and `statement.sent` commit together.
    func send(_ id: UUID, context: CallContext, logger: Logger) async throws -> String {
        let header = try await self.postgres.withConnection { connection in
            try await Self.header(id, on: connection, logger: logger)
        }
        switch header.status {
        case "draft": throw Problem.conflict("Make the statement final before sending it.")
        case "sent": throw Problem.conflict("This statement was already sent.")
        default: break
        }
        let contact = try await self.contacts.contact(of: header.investor, context: context)
        return try await self.postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                UPDATE investments.statements s SET status = 'sent', sent_at = now(), updated_at = now()
                WHERE id = \(id) AND status = 'final' RETURNING investments.statement_document(s)::text
                """,
                logger: logger
            )
            var document: String?
            for try await text in rows.decode(String.self) { document = text }
            // Another request sent it between the read and here.
            guard let document else { throw Problem.conflict("This statement was already sent.") }
            let link = self.publicURL.appendingPathComponent("statements").appendingPathComponent(id.uuidString.lowercased())
            try await self.outbox.publish(
                EmailRequested(
                    email: EmailRequest(
                        templateKey: "statement_ready", to: contact.email,
                        variables: [
                            "greeting_name": contact.firstName ?? "investor", "statement_title": header.period.title,
                            "period": header.period.label, "link": link.absoluteString,
                        ]
                    )
                ),
                on: connection, logger: logger
            )
            try await self.outbox.publish(
                StatementSent(
                    statementId: id, investorId: header.investor, statementType: header.period.kind.rawValue,
                    periodStart: header.period.start.description, periodEnd: header.period.end.description
                ),
                on: connection, logger: logger
            )
            return document
        }
    }

    /// The statement as JSON: admins any; its investor once it is final (drafts are staff work).
    func find(_ id: UUID, for identity: Identity, logger: Logger) async throws -> String {
        let rows = try await self.postgres.query(
            """
            SELECT investments.statement_document(s)::text FROM investments.statements s
            WHERE s.id = \(id) AND (\(identity.has(role: .admin)) OR (s.investor_id = \(identity.userID) AND s.status <> 'draft'))
            """,
            logger: logger
        )
        for try await document in rows.decode(String.self) { return document }
        throw Problem.notFound("No statement has this id.")
    }

    struct StoredDocument: Sendable {
        var html: String
        var contentType: String
        var sha256: String
        var filename: String
    }

    /// The frozen document, for an admin or the statement's investor (whose first read is recorded
    /// as `viewed_at`); 409 while the statement is a draft.
    func storedDocument(_ id: UUID, for identity: Identity, logger: Logger) async throws -> StoredDocument {
        let isAdmin = identity.has(role: .admin)
        let rows = try await self.postgres.query(
            """
            UPDATE investments.statements s SET viewed_at = coalesce(s.viewed_at, CASE WHEN s.investor_id = \(identity.userID) THEN now() END)
            WHERE s.id = \(id) AND (\(isAdmin) OR (s.investor_id = \(identity.userID) AND s.status <> 'draft'))
            RETURNING s.status, s.document, s.document_content_type, s.document_hash, s.type, s.period_start::text
            """,
            logger: logger
        )
        for try await (status, html, contentType, hash, type, start) in rows.decode((String, String?, String?, String?, String, String).self) {
            guard status != "draft", let html, let contentType, let hash else {
                throw Problem.conflict("A draft has no document yet; read its figures at /v1/statements/\(id.uuidString.lowercased()).")
            }
            return StoredDocument(html: html, contentType: contentType, sha256: hash, filename: "tract-\(type)-statement-\(start).html")
        }
        throw Problem.notFound("No statement has this id.")
    }

    /// Newest first: an investor's own final and sent statements; for admins every statement,
    /// optionally one investor's, one type or one status.
    func list(_ filter: StatementController.ListFilter, for identity: Identity, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        var binds = SQLBinds()
        var conditions: [String] = []
        if identity.has(role: .admin) {
            if let investor = filter.investorId { conditions.append("x.investor_id = \(binds.add(investor))") }
            if let status = filter.status { conditions.append("x.status = \(binds.add(status))") }
        } else {
            // A service token names no investor: it has no statements.
            guard let userID = identity.userID else { return JSONDocument.page([], nextCursor: nil) }
            conditions.append("x.investor_id = \(binds.add(userID)) AND x.status <> 'draft'")
        }
        if let type = filter.type { conditions.append("x.type = \(binds.add(type))") }
        conditions.append(page.after(&binds))
        let sql = """
            SELECT investments.statement_listing(x)::text, \(page.selectKey), x.id FROM investments.statements x
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }

    struct Header: Sendable {
        var investor: UUID
        var period: StatementPeriod
        var status: String
    }

    static func header(_ id: UUID, on connection: PostgresConnection, lock: Bool = false, logger: Logger) async throws -> Header {
        let rows = try await connection.query(
            """
            SELECT investor_id, type, period_start::text, period_end::text, status FROM investments.statements WHERE id = \(id)
            \(unescaped: lock ? "FOR UPDATE" : "")
            """,
            logger: logger
        )
        for try await (investor, type, start, end, status) in rows.decode((UUID, String, String, String, String).self) {
            guard let start = CalendarDate(start), let end = CalendarDate(end),
                let period = try? StatementPeriod.validated(kind: type, start: start, end: end)
            else { break }
            return Header(investor: investor, period: period, status: status)
        }
        throw Problem.notFound("No statement has this id.")
    }

    static func lockedHeader(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Header {
        try await Self.header(id, on: connection, lock: true, logger: logger)
    }

    struct EncodedParts {
        var summary: String
        var transactions: String
        var holdings: String
        var performance: String
    }

    static func encodedParts(_ content: StatementContent) throws -> EncodedParts {
        func json(_ value: some Encodable) throws -> String { String(decoding: try JSONEncoder.tract.encode(value), as: UTF8.self) }
        return EncodedParts(
            summary: try json(content.summary), transactions: try json(content.transactions),
            holdings: try json(content.holdings), performance: try json(content.performance)
        )
    }
}
