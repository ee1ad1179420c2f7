import Foundation

/// Events of accreditation (SEC Rule 506(c), issue 22): `communications` mails the investor the decision.

/// Staff approved or rejected an investor's accreditation verification. `expiresAt` is when an
/// approval stops counting (a verifier letter counts from its own date); `reason` is why a
/// rejection was made. Confidential: it says something of a person's finances, so only its
/// addressee's mailer receives it, and auth, which ticks off the onboarding step of an approval.
public struct AccreditationDecided: DomainEvent, Equatable {
    public static let eventType = "accreditation.decided"
    public var verificationId: UUID
    public var userId: UUID
    /// `approved` or `rejected`.
    public var decision: String
    public var reason: String?
    public var expiresAt: Date?
    public var decidedAt: Date

    public init(verificationId: UUID, userId: UUID, decision: String, reason: String?, expiresAt: Date?, decidedAt: Date) {
        self.verificationId = verificationId
        self.userId = userId
        self.decision = decision
        self.reason = reason
        self.expiresAt = expiresAt
        self.decidedAt = decidedAt
    }
}
