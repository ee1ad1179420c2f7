import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// SQL for `auth.onboarding_steps` and `auth.onboarding_dismissals`.
struct OnboardingStore: Sendable {
    let postgres: PostgresClient

    /// Records that the user did `step` at `time`. The earliest time stands whatever order the
    /// deliveries come in; an event about an account that is gone changes nothing (and is still
    /// acknowledged, so it does not come back).
    static func mark(_ step: OnboardingStep, userID: UUID, at time: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO auth.onboarding_steps AS s (user_id, step, done_at)
            SELECT id, \(step.rawValue), \(time) FROM auth.users WHERE id = \(userID) AND deleted_at IS NULL
            ON CONFLICT (user_id, step) DO UPDATE SET done_at = least(s.done_at, excluded.done_at)
            """,
            logger: logger
        )
    }

    /// The account's role, when the steps were done, and when the list was dismissed; nil when
    /// the account is gone.
    func progress(_ userID: UUID, logger: Logger) async throws -> OnboardingProgress? {
        // Steps auth proves from its own tables (a sponsor application, an organisation membership)
        // are read where they live rather than copied into onboarding_steps.
        let rows = try await self.postgres.query(
            """
            WITH done (step, done_at) AS (
                SELECT s.step, s.done_at FROM auth.onboarding_steps s WHERE s.user_id = \(userID)
                UNION ALL
                SELECT \(OnboardingStep.sponsorApplication.rawValue), min(a.created_at) FROM auth.sponsor_applications a
                WHERE a.user_id = \(userID) HAVING count(*) > 0
                UNION ALL
                SELECT \(OnboardingStep.organization.rawValue), min(m.joined_at) FROM auth.organization_members m
                WHERE m.user_id = \(userID) HAVING count(*) > 0
            )
            SELECT u.account_role, d.dismissed_at,
                coalesce((SELECT array_agg(x.step ORDER BY x.step) FROM done x), '{}'),
                coalesce((SELECT array_agg(x.done_at ORDER BY x.step) FROM done x), '{}')
            FROM auth.users u LEFT JOIN auth.onboarding_dismissals d ON d.user_id = u.id
            WHERE u.id = \(userID) AND u.deleted_at IS NULL
            """,
            logger: logger
        )
        for try await (role, dismissedAt, steps, times) in rows.decode((String, Date?, [String], [Date]).self) {
            guard let role = AccountRole(rawValue: role) else { return nil }
            var done: [OnboardingStep: Date] = [:]
            for (step, time) in zip(steps, times) {
                if let step = OnboardingStep(rawValue: step) { done[step] = time }
            }
            return OnboardingProgress(role: role, done: done, dismissedAt: dismissedAt)
        }
        return nil
    }

    /// Hides the checklist; dismissing it again keeps the first time.
    func dismiss(_ userID: UUID, logger: Logger) async throws {
        try await self.postgres.query(
            """
            INSERT INTO auth.onboarding_dismissals (user_id, dismissed_at)
            SELECT id, now() FROM auth.users WHERE id = \(userID) AND deleted_at IS NULL
            ON CONFLICT (user_id) DO NOTHING
            """,
            logger: logger
        )
    }

    func restore(_ userID: UUID, logger: Logger) async throws {
        try await self.postgres.query("DELETE FROM auth.onboarding_dismissals WHERE user_id = \(userID)", logger: logger)
    }
}
