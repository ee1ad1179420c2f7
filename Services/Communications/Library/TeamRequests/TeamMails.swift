import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit
import ServiceLifecycle

/// Mail owed to people who asked to speak to the team: the confirmation, and the team's answers to
/// anonymous visitors (`team_request_mails`). A mail is recorded in the transaction that makes it
/// owed and sent after the commit by `TeamMailer`, in the background — within its poll interval,
/// and again with backoff while the mail server or auth cannot be reached — so a down peer delays
/// it and never loses it, and no request waits on SMTP.
///
/// A sender leases a row (one `UPDATE … FOR UPDATE SKIP LOCKED` that pushes `next_attempt_at`
/// forward) before the SMTP conversation and holds no transaction through it, so replicas never send
/// one row at once; and the row's id is the EmailSends idempotency key, so a sender that died after
/// the mail went out cannot make the retry mail it twice.
struct TeamMails: Sendable {
    /// Who a mail goes to: an anonymous visitor's address, or a user whose address auth is asked for
    /// when it is sent (communications keeps no copy of users' addresses).
    enum Recipient: Sendable {
        case address(String)
        case user(UUID)
    }

    /// How long a lease keeps other senders off a row: longer than an SMTP exchange takes.
    static let lease: TimeInterval = 120
    static let batchSize = 20

    let sends: EmailSends
    let directory: UserDirectory
    let postgres: PostgresClient
    let clock: ServiceClock
    let retry: RetrySchedule

    /// Records a mail owed, on the caller's transaction; `id` is its idempotency key.
    static func owe(
        _ id: UUID,
        request: UUID,
        template: String,
        to recipient: Recipient,
        variables: [String: String],
        now: Date,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        let (email, user): (String?, UUID?) =
            switch recipient {
            case .address(let address): (address, nil)
            case .user(let id): (nil, id)
            }
        let json = String(decoding: try JSONEncoder.tract.encode(variables), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO communications.team_request_mails
                (id, request_id, template_key, to_email, to_user, variables, next_attempt_at, created_at)
            VALUES (\(id), \(request), \(template), \(email), \(user), \(json)::jsonb, \(now), \(now))
            """,
            logger: logger
        )
    }

    /// Sends a batch of what is due and answers how many it took on (a full batch: more may be
    /// waiting). Failures are recorded on their rows, never thrown: the requester's request stands
    /// whatever the mail server says.
    @discardableResult
    func sendDue(logger: Logger) async -> Int {
        let leased: [Owed]
        do {
            leased = try await self.lease(logger: logger)
        } catch {
            logger.warning("team mails not leased", metadata: ["error": .string(String(reflecting: error))])
            return 0
        }
        for owed in leased { await self.send(owed, logger: logger) }
        return leased.count
    }

    struct Owed: Sendable {
        var id: UUID
        var template: String
        var email: String?
        var user: UUID?
        var variables: [String: String]
        var attempts: Int
    }

    private func lease(logger: Logger) async throws -> [Owed] {
        let now = self.clock.now
        let until = now.addingTimeInterval(Self.lease)
        let rows = try await self.postgres.query(
            """
            UPDATE communications.team_request_mails m SET next_attempt_at = \(until), attempts = m.attempts + 1
            WHERE m.id IN (
                SELECT id FROM communications.team_request_mails
                WHERE status = 'pending' AND next_attempt_at <= \(now)
                ORDER BY next_attempt_at LIMIT \(Self.batchSize)
                FOR UPDATE SKIP LOCKED)
            RETURNING m.id, m.template_key, m.to_email, m.to_user, m.variables::text, m.attempts
            """,
            logger: logger
        )
        var owed: [Owed] = []
        for try await (id, template, email, user, variables, attempts) in rows.decode((UUID, String, String?, UUID?, String, Int32).self) {
            let values = (try? JSONDecoder.tract.decode([String: String].self, from: Data(variables.utf8))) ?? [:]
            owed.append(Owed(id: id, template: template, email: email, user: user, variables: values, attempts: Int(attempts)))
        }
        return owed
    }

    /// One leased mail: sent and marked, or its failure recorded with the next attempt's time.
    @discardableResult
    private func send(_ owed: Owed, logger: Logger) async -> Bool {
        let key = owed.id.uuidString.lowercased()
        do {
            var variables = owed.variables
            let address: String
            if let email = owed.email {
                address = email
            } else if let user = owed.user {
                guard let contact = try await self.directory.contact(of: user, context: .background(requestID: key)) else {
                    // The account was deleted since: there is no one to write to.
                    try await self.finish(owed.id, status: "failed", error: "no account for the requester", logger: logger)
                    return false
                }
                address = contact.email
                if variables["greeting_name"] == nil, let first = contact.firstName { variables["greeting_name"] = first }
            } else {
                return false
            }
            if variables["greeting_name"] == nil { variables["greeting_name"] = "there" }
            let receipt = try await self.sends.send(
                EmailRequest(templateKey: owed.template, to: address, variables: variables), idempotencyKey: key,
                requestedBy: ServiceName.communications.rawValue, logger: logger)
            let delivered = receipt.status == "sent"
            try await self.finish(
                owed.id, status: delivered ? "sent" : "failed", error: delivered ? nil : "refused by the mail server", logger: logger)
            return delivered
        } catch {
            // The mail server refused for now, auth could not be asked, or another sender holds
            // the EmailSends claim: try again after a backoff.
            var generator = SystemRandomNumberGenerator()
            let delay = self.retry.delay(afterAttempts: owed.attempts, using: &generator)
            let next = self.clock.now.addingTimeInterval(delay.inSeconds)
            logger.notice("team mail not sent yet", metadata: ["team_mail": .string(key), "error": .string(String(describing: error))])
            _ = try? await self.postgres.query(
                """
                UPDATE communications.team_request_mails SET next_attempt_at = \(next), last_error = left(\(String(describing: error)), 1000)
                WHERE id = \(owed.id) AND status = 'pending'
                """,
                logger: logger
            )
            return false
        }
    }

    private func finish(_ id: UUID, status: String, error: String?, logger: Logger) async throws {
        let now = self.clock.now
        try await self.postgres.query(
            """
            UPDATE communications.team_request_mails
            SET status = \(status), sent_at = CASE WHEN \(status) = 'sent' THEN \(now) END, last_error = \(error)
            WHERE id = \(id)
            """,
            logger: logger
        )
    }
}

/// Sends the team mails that are due, every poll interval (and at once again while a pass finds a
/// full batch). Safe with several replicas: each row is leased by one of them at a time (`TeamMails`).
struct TeamMailer: Service {
    let mails: TeamMails
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try await PeriodicWork("team mails", every: self.interval, logger: self.logger) {
            await self.mails.sendDue(logger: self.logger) == TeamMails.batchSize
        }.run()
    }
}
