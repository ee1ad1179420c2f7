import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// The verifier letter of SEC Rule 506(c)(2)(ii)(C) (17 CFR 230.506(c)(2)(ii)(C)): the investor
/// names a CPA, attorney, registered investment adviser or broker-dealer; Tract mails them a
/// single-use link; the verifier, without an account, opens it (GET says what is asked) and uploads
/// a written confirmation with the date it bears. The upload puts the verification in
/// `pending_review` for staff. The link's token is stored only as its SHA-256.
struct VerifierLetterController: Sendable {
    let letters: VerifierLetters
    let settings: AccreditationSettings

    struct Nomination: Codable, Sendable {
        var verifierName: String
        var verifierEmail: String
        /// `cpa`, `attorney`, `registered_investment_adviser` or `broker_dealer`.
        var verifierRole: String
        /// The verifier's licence, CRD or SEC registration number.
        var licenseNumber: String

        func problems() -> FieldErrors {
            var errors = FieldErrors()
            errors.text("verifier_name", self.verifierName, max: 200, required: true)
            if !AccreditationRules.isEmailAddress(self.verifierEmail) { errors.add("verifier_email", "must be an email address") }
            errors.oneOf("verifier_role", self.verifierRole, AccreditationRules.verifierRoles)
            errors.text("license_number", self.licenseNumber, max: 100, required: true)
            return errors
        }
    }

    /// Mounted at `/v1/verifications/:id/verifier-request`: the investor names their verifier.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post(use: self.nominate)
    }

    /// Mounted at `/v1/verifications/letters/:token`: the verifier's link, no account needed.
    var publicEndpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .get(use: self.show)
            .post(use: self.upload)
    }

    @Sendable func nominate(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let userID = try context.identity.requireUser("Only the investor names a verifier.")
        let id = try context.parameters.uuid("id", "verification")
        let nomination = try await request.decode(as: Nomination.self, context: context)
        try nomination.problems().check()
        let text = try await self.letters.nominate(nomination, for: id, by: userID, context: context.callContext, logger: context.logger)
        return JSONDocument(text, status: .created)
    }

    @Sendable func show(_ request: Request, context: TractRequestContext) async throws -> JSONDocument {
        JSONDocument(try await self.letters.ask(try Self.token(context), logger: context.logger))
    }

    /// The letter as the raw body (PDF, PNG or JPEG); `?letter_date=` the date written on it and
    /// `?file_name=` its name.
    @Sendable func upload(_ request: Request, context: TractRequestContext) async throws -> JSONDocument {
        let token = try Self.token(context)
        let dateText = request.uri.queryParameters["letter_date"].map(String.init)
        var errors = FieldErrors()
        var letterDate: CalendarDate?
        if let dateText, FieldErrors.isDate(dateText), let date = CalendarDate(dateText) {
            letterDate = date
            if let problem = AccreditationRules.letterProblem(date, today: self.letters.today, settings: self.settings) {
                errors.add("letter_date", problem)
            }
        } else {
            errors.add("letter_date", "is required: the date written on the letter, YYYY-MM-DD")
        }
        try errors.check()
        let upload = try await AccreditationUpload.receive(request, limit: self.settings.maxFileBytes)
        guard let letterDate else { throw Problem.validation(field: "letter_date", "is required") }
        return JSONDocument(try await self.letters.receive(upload, letterDate: letterDate, token: token, logger: context.logger), status: .created)
    }

    /// A token of the shape `SecretToken.make()` gives, else 404 before any query.
    static func token(_ context: TractRequestContext) throws -> String {
        guard let token = context.parameters.get("token"), SecretToken.isWellFormed(token) else {
            throw Problem.notFound("This link is not valid.")
        }
        return token
    }
}

struct VerifierLetters: Sendable {
    let postgres: PostgresClient
    let outbox: OutboxPublisher
    let files: AccreditationFiles
    let contacts: InvestorContacts
    let limiter: RateLimiter
    let settings: AccreditationSettings
    let publicURL: URL
    let clock: ServiceClock
    let ids: IDGenerator

    var today: CalendarDate { CalendarDate.day(of: self.clock.now) }

    static let roleNames = [
        "cpa": "certified public accountant", "attorney": "attorney", "registered_investment_adviser": "registered investment adviser",
        "broker_dealer": "registered broker-dealer",
    ]

    /// The link's problem once it cannot be used: 410, so the verifier knows it was real but is spent.
    static func gone(_ detail: String) -> Problem {
        Problem(.gone, detail: detail, type: "https://tract.dev/problems/link-used")
    }

    static let requestDocument = """
        jsonb_build_object('id', r.id, 'verification_id', r.verification_id, 'verifier_name', r.verifier_name,
            'verifier_email', r.verifier_email, 'verifier_role', r.verifier_role, 'license_number', r.license_number,
            'expires_at', investments.rfc3339(r.expires_at), 'used_at', investments.rfc3339(r.used_at), 'letter_date', r.letter_date,
            'letter_file_id', r.letter_file_id, 'created_at', investments.rfc3339(r.created_at))::text
        """

    /// Names the verifier of the investor's own waiting accreditation verification and mails them
    /// the link (an earlier link for it stops working). The investor's name comes from auth first,
    /// with no transaction open; the request, the rate-limit token and the email commit together.
    func nominate(
        _ nomination: VerifierLetterController.Nomination, for verification: UUID, by user: UUID, context: CallContext, logger: Logger
    ) async throws -> String {
        try await self.requireWaiting(verification, of: user, logger: logger)
        let contact = try await self.contacts.contact(of: user, context: context)
        let fullName = [contact.firstName, contact.lastName].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        let investorName = String((fullName.isEmpty ? contact.email : "\(fullName) (\(contact.email))").prefix(300))
        let token = SecretToken.make()
        let now = self.clock.now
        let expires = now.addingTimeInterval(Double(self.settings.verifierLinkDays) * 86_400)
        return try await self.postgres.transaction(logger: logger) { connection in
            try await self.requireWaiting(verification, of: user, on: connection, logger: logger)
            try await self.limiter.take(
                "accreditation.verifier_email", for: user.uuidString.lowercased(), bucket: self.settings.verifierEmails, on: connection,
                logger: logger)
            try await connection.query(
                """
                UPDATE investments.verifier_requests SET superseded_at = \(now)
                WHERE verification_id = \(verification) AND used_at IS NULL AND superseded_at IS NULL
                """,
                logger: logger
            )
            let rows = try await connection.query(
                """
                INSERT INTO investments.verifier_requests AS r
                    (id, verification_id, user_id, investor_name, verifier_name, verifier_email, verifier_role, license_number,
                     token_hash, expires_at, created_at)
                VALUES (\(self.ids.next()), \(verification), \(user), \(investorName), \(nomination.verifierName),
                        \(nomination.verifierEmail), \(nomination.verifierRole), \(nomination.licenseNumber), \(SecretToken.hash(token)),
                        \(expires), \(now))
                RETURNING \(unescaped: Self.requestDocument)
                """,
                logger: logger
            )
            var document: String?
            for try await text in rows.decode(String.self) { document = text }
            guard let document else { throw Problem.conflict("The request could not be saved; try again.") }
            try await connection.query(
                "UPDATE investments.verifications SET method = 'third_party', updated_at = now() WHERE id = \(verification)", logger: logger)
            let link = self.publicURL.appendingPathComponent("v1/verifications/letters").appendingPathComponent(token)
            try await self.outbox.publish(
                EmailRequested(
                    email: EmailRequest(
                        templateKey: "accreditation_verifier_request", to: nomination.verifierEmail,
                        variables: [
                            "verifier_name": nomination.verifierName, "investor_name": investorName,
                            "verifier_role": Self.roleNames[nomination.verifierRole] ?? nomination.verifierRole,
                            "link": link.absoluteString, "expires_on": CalendarDate.day(of: expires).description,
                            "valid_days": String(self.settings.letterValidDays),
                        ]
                    )
                ),
                // The link is a credential: the outbox keeps no copy once it is delivered.
                on: connection, sensitive: true, logger: logger
            )
            return document
        }
    }

    /// 404 unless the verification is the user's own accreditation; 409 once it is decided.
    private func requireWaiting(_ verification: UUID, of user: UUID, on connection: PostgresConnection? = nil, logger: Logger) async throws {
        let query: PostgresQuery = """
            SELECT type, status FROM investments.verifications WHERE id = \(verification) AND user_id = \(user)
            """
        var found: (String, String)?
        if let connection {
            for try await row in try await connection.query(query, logger: logger).decode((String, String).self) { found = row }
        } else {
            for try await row in try await self.postgres.query(query, logger: logger).decode((String, String).self) { found = row }
        }
        guard let (type, status) = found else { throw Problem.notFound("No verification of yours has this id.") }
        guard type == "accredited" else {
            throw Problem.validation(field: "verification", "must be an accreditation verification (type accredited) to ask a verifier")
        }
        guard ["pending", "pending_review"].contains(status) else {
            throw Problem.conflict("This verification was already decided; submit a new one to ask a verifier.")
        }
    }

    /// What the verifier is asked, for a link that can still be used.
    func ask(_ token: String, logger: Logger) async throws -> String {
        let rows = try await self.postgres.query(
            """
            SELECT r.used_at IS NOT NULL, r.superseded_at IS NOT NULL, r.expires_at <= \(self.clock.now),
                jsonb_build_object(
                    'investor_name', r.investor_name, 'verifier_name', r.verifier_name, 'verifier_role', r.verifier_role,
                    'license_number', r.license_number, 'expires_at', investments.rfc3339(r.expires_at),
                    'letter_valid_days', \(self.settings.letterValidDays), 'max_file_bytes', \(self.settings.maxFileBytes),
                    'accepted_types', jsonb_build_array('application/pdf', 'image/png', 'image/jpeg'),
                    'asked', \(Self.askedText(settings: self.settings)))::text
            FROM investments.verifier_requests r WHERE r.token_hash = \(SecretToken.hash(token))
            """,
            logger: logger
        )
        for try await (used, superseded, expired, document) in rows.decode((Bool, Bool, Bool, String).self) {
            try Self.refuse(used: used, superseded: superseded, expired: expired)
            return document
        }
        throw Problem.notFound("This link is not valid.")
    }

    static func askedText(settings: AccreditationSettings) -> String {
        """
        A written confirmation, on your letterhead and signed, that within the prior three months you took reasonable steps to \
        verify that the investor named here is an accredited investor under Rule 501(a) of Regulation D and determined that they \
        are (SEC Rule 506(c)(2)(ii)(C)). Upload it here once as a PDF, PNG or JPEG with the date written on it; it counts for \
        \(settings.letterValidDays) days from that date.
        """
    }

    static func refuse(used: Bool, superseded: Bool, expired: Bool) throws {
        if used { throw Self.gone("This link was already used: the letter was received.") }
        if superseded { throw Self.gone("This link was replaced by a newer request from the investor.") }
        if expired { throw Self.gone("This link has expired; the investor can send a new request.") }
    }

    /// The verifier's upload, at most once: the request row is locked, so of two simultaneous
    /// uploads one stores the letter and the other is refused with 410.
    func receive(_ upload: AccreditationUpload, letterDate: CalendarDate, token: String, logger: Logger) async throws -> String {
        let now = self.clock.now
        return try await self.postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT r.id, r.verification_id, r.user_id, r.used_at IS NOT NULL, r.superseded_at IS NOT NULL, r.expires_at <= \(now), v.status
                FROM investments.verifier_requests r JOIN investments.verifications v ON v.id = r.verification_id
                WHERE r.token_hash = \(SecretToken.hash(token)) FOR UPDATE OF r, v
                """,
                logger: logger
            )
            var found: (UUID, UUID, UUID, Bool, Bool, Bool, String)?
            for try await row in rows.decode((UUID, UUID, UUID, Bool, Bool, Bool, String).self) { found = row }
            guard let (requestID, verification, user, used, superseded, expired, status) = found else {
                throw Problem.notFound("This link is not valid.")
            }
            try Self.refuse(used: used, superseded: superseded, expired: expired)
            guard ["pending", "pending_review"].contains(status) else {
                throw Self.gone("The investor's verification was already decided; this link is no longer needed.")
            }
            let file = try await self.files.insert(upload, verification: verification, user: user, source: "verifier", on: connection, logger: logger)
            let fileID = try JSONDecoder.tract.decode(FileID.self, from: Data(file.utf8)).id
            try await connection.query(
                """
                UPDATE investments.verifier_requests SET used_at = \(now), letter_date = \(letterDate.description)::date, letter_file_id = \(fileID)
                WHERE id = \(requestID)
                """,
                logger: logger
            )
            try await connection.query(
                """
                UPDATE investments.verifications SET status = 'pending_review', letter_date = \(letterDate.description)::date,
                    method = 'third_party', updated_at = now()
                WHERE id = \(verification)
                """,
                logger: logger
            )
            return file
        }
    }

    private struct FileID: Decodable { var id: UUID }
}
