import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// A segment audience made concrete: the segment's members from analytics
/// (`GET /internal/v1/segments/{id}/members`), their addresses from auth a thousand at a time
/// (`POST /internal/v1/users/contacts`), stored as the campaign's members before the snapshot.
struct CampaignAudience: Sendable {
    let internalClient: InternalHTTPClient
    let analyticsURL: URL
    let directory: UserDirectory
    init(_ dependencies: ServiceDependencies) {
        self.internalClient = dependencies.internalClient
        self.analyticsURL =
            dependencies.configuration.events.peers[ServiceName.analytics.rawValue]
            ?? URL(string: "http://127.0.0.1:\(ServiceName.analytics.defaultPort)")!
        self.directory = UserDirectory(dependencies)
    }

    func members(of segment: UUID, campaign: UUID, logger: Logger) async throws -> [CampaignMember] {
        let call = CallContext.background(requestID: "campaign-\(campaign.uuidString.lowercased())")
        let users = try await StaffNotifications.members(of: segment, analyticsURL: self.analyticsURL, client: self.internalClient, call: call)
        // A deleted user has no address any more; an unverified one gets no marketing mail.
        let contacts = try await self.directory.contacts(of: users, context: call)
        return contacts.filter(\.emailVerified).map { CampaignMember(email: $0.email.lowercased(), userID: $0.id, name: $0.firstName) }
    }

    func store(_ members: [CampaignMember], campaign: UUID, on postgres: PostgresClient, logger: Logger) async throws {
        for start in stride(from: 0, to: members.count, by: 5000) {
            let chunk = members[start..<min(start + 5000, members.count)]
            try await postgres.query(
                """
                INSERT INTO communications.email_campaign_members (campaign_id, email, user_id, name)
                SELECT \(campaign), m.email, m.user_id, nullif(m.name, '') FROM unnest(\(chunk.map(\.email))::text[],
                    \(chunk.map(\.userID))::uuid[], \(chunk.map { $0.name ?? "" })::text[]) AS m (email, user_id, name)
                ON CONFLICT (campaign_id, email) DO NOTHING
                """, logger: logger)
        }
    }
}
