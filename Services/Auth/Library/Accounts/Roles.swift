import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Seed 000's role logic: everyone starts as an investor; a developer action (an OZ check, a
/// developer profile) makes them a developer; investor and developer actions together make them
/// `both`. Staff roles (admin, sponsor) are set by hand and never changed by activity.
enum RoleRules {
    static func role(current: AccountRole, investorActivity: Bool, developerActivity: Bool) -> AccountRole {
        switch current {
        case .admin, .sponsor: current
        default:
            switch (investorActivity, developerActivity) {
            case (true, true): .both
            case (false, true): .developer
            default: current == .both ? .both : .investor
            }
        }
    }
}

/// Applies activity events to roles, inside the inbox transaction that records them.
struct RoleEvents: Sendable {
    let outbox: OutboxPublisher

    enum Activity: String {
        case investor, developer
    }

    func register(in handlers: inout EventHandlers) {
        handlers.on(OZCheckCompleted.self) { event, _, connection, logger in
            try await self.apply(.developer, userID: event.userId, reason: OZCheckCompleted.eventType, on: connection, logger: logger)
        }
        handlers.on(DeveloperProfileCreated.self) { event, _, connection, logger in
            try await self.apply(.developer, userID: event.userId, reason: DeveloperProfileCreated.eventType, on: connection, logger: logger)
        }
        handlers.on(InvestorProfileCreated.self) { event, _, connection, logger in
            try await self.apply(.investor, userID: event.userId, reason: InvestorProfileCreated.eventType, on: connection, logger: logger)
        }
    }

    /// Marks the activity and recomputes the role under a row lock, then announces a change.
    func apply(_ activity: Activity, userID: UUID, reason: String, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query(
            """
            SELECT account_role, has_investor_activity, has_developer_activity FROM auth.users
            WHERE id = \(userID) AND deleted_at IS NULL FOR UPDATE
            """,
            logger: logger
        )
        var found: (String, Bool, Bool)?
        for try await row in rows.decode((String, Bool, Bool).self) { found = row }
        // Events about accounts that no longer exist change nothing (and are still acknowledged).
        guard let (stored, investor, developer) = found, let current = AccountRole(rawValue: stored) else { return }
        let hasInvestor = investor || activity == .investor
        let hasDeveloper = developer || activity == .developer
        let next = RoleRules.role(current: current, investorActivity: hasInvestor, developerActivity: hasDeveloper)
        try await connection.query(
            """
            UPDATE auth.users SET has_investor_activity = \(hasInvestor), has_developer_activity = \(hasDeveloper),
                account_role = \(next.rawValue), updated_at = now()
            WHERE id = \(userID)
            """,
            logger: logger
        )
        if next != current {
            try await self.outbox.publish(
                UserRoleChanged(userId: userID, previousRole: current.rawValue, currentRole: next.rawValue, reason: reason),
                on: connection,
                logger: logger
            )
            try await AuditLog.record(
                AuditEntry(
                    action: "user.role_changed", actor: .system, target: .user(userID), before: ["role": current.rawValue],
                    after: ["role": next.rawValue, "reason": reason]),
                on: connection, logger: logger)
        }
    }
}
