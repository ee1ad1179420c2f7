import Foundation
import HTTPTypes
import Logging
import Models
import PostgresNIO
import ServiceKit

/// No money moves on an offering with a subscription agreement until the investor has signed its
/// current version (issue 22). Rule 506 private placements (Securities Act §4(a)(2), 17 CFR 230.506)
/// are sold by subscription agreement: it carries the purchaser's representations (accredited
/// status, investing for their own account, having received the offering documents) on which the
/// issuer relies for the exemption, so the agreement signed must be the one whose terms stand when
/// the money is committed and when it is funded. A new version uploaded after the investor signed
/// therefore stops the funding until they sign again.
///
/// Offerings with no subscription agreement attached take commitments as before: existing positions
/// predate paperwork, and a sponsor who attaches an agreement turns the gate on (the demo's Magnolia
/// Court offering has one, signed by its investors; scripts/demo-investing.py).
///
/// Checked before the move's transaction (properties is asked over HTTP, never while a transaction
/// is open); a new version uploaded in the moment between is caught at funding.
struct SignatureGate: Sendable {
    let postgres: PostgresClient
    let signing: DocumentSigningClient

    static let problemType = "https://tract.dev/problems/signature-required"

    /// Throws the `signature-required` problem when `move` (commit or fund) would go ahead
    /// without the investor's signature on the current agreement. Does nothing for other moves,
    /// for callers the move itself will refuse (so no one learns more here than there), and for
    /// positions no longer in the state the move starts from (a retry that the idempotency key replays).
    func require(before move: InvestmentStatus.Move, investment id: UUID, identity: Identity, context: CallContext, logger: Logger)
        async throws
    {
        let from: InvestmentStatus
        switch move {
        case .commit: from = .pending
        case .fund: from = .committed
        default: return
        }
        guard let (position, agreement) = try await self.position(id, logger: logger),
            InvestmentStore.canSee(investor: position.investorId, sponsor: position.sponsorId, identity),
            (try? InvestmentStore.authorise(move, of: position, by: identity)) != nil,
            position.status == from, let agreement
        else { return }
        let facts = try await self.signing.facts(agreement, signer: position.investorId, context: context)
        guard let facts else {
            throw Problem(
                .conflict,
                detail: "This offering's subscription agreement is no longer available; the sponsor must attach it again before money can move.",
                type: Self.problemType
            )
        }
        if facts.signature == nil { throw Self.unsigned(facts, offering: position.offeringId, move: move) }
    }

    /// What to sign, as the problem's detail and its extension members.
    static func unsigned(_ facts: DocumentSigningFacts, offering: UUID, move: InvestmentStatus.Move) -> Problem {
        let signURL = "/v1/offerings/\(offering.uuidString.lowercased())/documents/subscription_agreement/sign"
        let step = move == .commit ? "committing" : "funding"
        return Problem(
            .conflict,
            detail:
                "Before \(step), the investor must sign the offering's current subscription agreement, \"\(facts.title)\" version \(facts.version) (SHA-256 \(facts.sha256)): POST \(signURL).",
            type: Self.problemType,
            extensions: [
                "document_id": .string(facts.documentId.uuidString.lowercased()), "title": .string(facts.title),
                "version": .number(Double(facts.version)), "document_sha256": .string(facts.sha256), "sign_url": .string(signURL),
            ]
        )
    }

    /// The position as the move will see it, and the offering's subscription agreement (the
    /// attached document id) if it has one.
    private func position(_ id: UUID, logger: Logger) async throws -> (InvestmentStore.Position, UUID?)? {
        let rows = try await self.postgres.query(
            """
            SELECT i.id, i.offering_id, i.property_id, i.investor_id, i.amount, i.status, o.sponsor_id, d.document_id
            FROM investments.investments i JOIN investments.offerings o ON o.id = i.offering_id
            LEFT JOIN investments.offering_documents d ON d.offering_id = i.offering_id AND d.kind = 'subscription_agreement'
            WHERE i.id = \(id)
            """,
            logger: logger
        )
        for try await row in rows.decode((UUID, UUID, UUID, UUID, Money, String, UUID, UUID?).self) {
            guard let status = InvestmentStatus(rawValue: row.5) else { return nil }
            let position = InvestmentStore.Position(
                id: row.0, offeringId: row.1, propertyId: row.2, investorId: row.3, amount: row.4, status: status, sponsorId: row.6)
            return (position, row.7)
        }
        return nil
    }
}
