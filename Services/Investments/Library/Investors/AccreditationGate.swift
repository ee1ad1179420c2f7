import Foundation
import HTTPTypes
import Logging
import Models
import PostgresNIO
import ServiceKit

/// SEC Rule 506(c) (17 CFR 230.506(c)(2)(ii)): a 506(c) offering takes money only from investors
/// the issuer took reasonable steps to verify as accredited. Two ways through, checked at creation
/// and again at commitment:
/// - a verification staff approved that has not expired by the service's clock (a verifier letter
///   counts from its own date, `AccreditationRules.expiry`);
/// - where the offering allows it, the minimum-investment path of the SEC staff's March 2025
///   guidance (`MinimumInvestmentPath`): an amount at or above $200,000 (natural person) or
///   $1,000,000 (entity) with the investor's written representations on record for this offering.
enum AccreditationGate {
    static func require(
        _ offering: Offering, investor: UUID, amount: Money, now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard offering.terms.requiresAccreditation else { return }
        let rows = try await connection.query(
            """
            SELECT EXISTS (SELECT 1 FROM investments.verifications WHERE user_id = \(investor) AND type = 'accredited'
                           AND status = 'approved' AND expires_at > \(now)),
                   o.allows_minimum_investment_path,
                   (SELECT r.investor_kind FROM investments.accreditation_representations r
                    WHERE r.offering_id = o.id AND r.investor_id = \(investor) ORDER BY r.represented_at DESC, r.id DESC LIMIT 1)
            FROM investments.offerings o WHERE o.id = \(offering.id)
            """,
            logger: logger
        )
        for try await (verified, allowsPath, kind) in rows.decode((Bool, Bool, String?).self) {
            if verified { return }
            if allowsPath, let kind {
                let minimum = MinimumInvestmentPath.minimum(for: kind)
                if amount >= minimum { return }
                throw Problem(
                    .forbidden,
                    detail:
                        "Without a verified accreditation this offering takes at least \(minimum.dollars) from a \(kind.replacingOccurrences(of: "_", with: " ")) (SEC staff guidance, March 2025); invest that much or have your accreditation verified.",
                    type: "https://tract.dev/problems/accreditation-required"
                )
            }
            let path =
                allowsPath
                ? " or make the minimum-investment representations (POST /v1/offerings/\(offering.id.uuidString.lowercased())/accreditation-representations)"
                : ""
            throw Problem(
                .forbidden,
                detail:
                    "This offering is open only to verified accredited investors (SEC Rule 506(c)); submit a verification\(path) first.",
                type: "https://tract.dev/problems/accreditation-required"
            )
        }
        throw Problem.notFound("No offering has this id.")
    }
}
