import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// The names a statement prints — the investor's, and the sponsor of each property it lists —
/// asked of auth when the statement is made final, so the frozen document says who is who
/// rather than an id. investments keeps no copy of anyone's name (ARCHITECTURE.md: auth owns them).
struct StatementNames: Sendable {
    var investor: String
    /// Sponsor names by property name, in property-name order.
    var sponsors: [(property: String, sponsor: String)]

    func sponsor(of property: String) -> String? {
        self.sponsors.first { $0.property == property }?.sponsor
    }

    /// What a statement prints for an account that no longer exists: the statement is kept, the
    /// person's details are not.
    static let formerInvestor = "Former investor"
    static let formerSponsor = "Former sponsor"

    /// Looks the names up: the investor, then each distinct sponsor of the investor's properties
    /// once. 503 when auth does not answer (the statement stays a draft; try again).
    static func lookUp(
        investor: UUID, directory: UserDirectory, postgres: PostgresClient, context: CallContext, logger: Logger
    ) async throws -> StatementNames {
        let rows = try await postgres.query(
            """
            SELECT DISTINCT p.property_name, p.sponsor_id FROM investments.investments i
            JOIN investments.property_copies p USING (property_id)
            WHERE i.investor_id = \(investor) ORDER BY p.property_name
            """,
            logger: logger
        )
        var properties: [(name: String, sponsor: UUID)] = []
        for try await row in rows.decode((String, UUID).self) { properties.append((row.0, row.1)) }

        var names: [UUID: String] = [:]
        func name(of user: UUID, otherwise missing: String) async throws -> String {
            if let known = names[user] { return known }
            let found: UserContact?
            do {
                found = try await directory.contact(of: user, context: context)
            } catch {
                throw Problem.serviceUnavailable(
                    "The auth service did not give the names this statement prints; it is still a draft. Try again shortly.")
            }
            let name = found?.displayName ?? missing
            names[user] = name
            return name
        }
        let investorName = try await name(of: investor, otherwise: Self.formerInvestor)
        var sponsors: [(property: String, sponsor: String)] = []
        for property in properties {
            sponsors.append((property.name, try await name(of: property.sponsor, otherwise: Self.formerSponsor)))
        }
        return StatementNames(investor: investorName, sponsors: sponsors)
    }
}
