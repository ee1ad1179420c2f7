import Foundation

/// A request to `communications` to send one templated email (`POST /internal/v1/emails`, or the
/// `email.requested` event for callers that want the outbox's delivery guarantee).
public struct EmailRequest: Codable, Sendable, Equatable {
    /// One of the templates `communications` ships: `verify_email`, `password_reset`,
    /// `magic_link`, `new_device_sign_in`, `statement_ready`, `investment_committed`,
    /// `investment_funded`, `distribution_paid`.
    public var templateKey: String
    public var to: String
    public var variables: [String: String]
    /// The recipient's account, when the mail is about one (auth's `new_device_sign_in`):
    /// `communications` then makes it a notification whose email channel is this mail.
    public var userId: UUID?

    public init(templateKey: String, to: String, variables: [String: String], userId: UUID? = nil) {
        self.templateKey = templateKey
        self.to = to
        self.variables = variables
        self.userId = userId
    }
}

public struct EmailRequested: DomainEvent, Equatable {
    public static let eventType = "email.requested"
    public var email: EmailRequest

    public init(email: EmailRequest) {
        self.email = email
    }
}

/// What became of an email request; the same answer for every retry with one idempotency key.
public struct EmailReceipt: Codable, Sendable, Equatable {
    public var id: UUID
    public var status: String
    public var messageId: String?

    public init(id: UUID, status: String, messageId: String?) {
        self.id = id
        self.status = status
        self.messageId = messageId
    }
}
