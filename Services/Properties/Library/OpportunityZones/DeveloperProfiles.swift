import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// A developer's profile (seed 000 `developer_profiles`), kept by the OZ check flow.
struct DeveloperProfile: Codable, Sendable, Equatable, ResponseEncodable {
    var userId: UUID
    var locationOfDevelopment: String?
    var tractGeoid: String?
    var ozStatus: Bool?
    var designationRound: Int?
    var geographicalZone: String?
    var profileCompletionScore: Int
    var lastCheckedAt: Date?
    var createdAt: Date
    var updatedAt: Date

    /// How much of the profile is filled in, 0–100: where the development is (40), whether it is
    /// in an OZ (40) and in which state (20).
    static func completionScore(location: String?, ozStatus: Bool?, zone: String?) -> Int {
        (location?.isEmpty == false ? 40 : 0) + (ozStatus != nil ? 40 : 0) + (zone?.isEmpty == false ? 20 : 0)
    }
}

/// `properties.developer_profiles`: saving a check creates or updates the profile and tells `auth`
/// and `analytics` through the outbox, in the same transaction.
struct DeveloperProfiles: Sendable {
    let postgres: PostgresClient
    let outbox: OutboxPublisher

    func save(_ result: OZCheckResult, location: String?, for userID: UUID, logger: Logger) async throws -> DeveloperProfile {
        let score = DeveloperProfile.completionScore(location: location, ozStatus: result.designated, zone: result.state)
        return try await self.postgres.transaction(logger: logger) { connection in
            // `xmax = 0` only on a freshly inserted row: it tells creation from update atomically.
            let rows = try await connection.query(
                """
                INSERT INTO properties.developer_profiles AS d
                    (user_id, location_of_development, tract_geoid, oz_status, designation_round, geographical_zone,
                     profile_completion_score, last_checked_at)
                VALUES (\(userID), \(location), \(result.tractGeoid), \(result.designated), \(result.designationRound),
                        \(result.state), \(score), now())
                ON CONFLICT (user_id) DO UPDATE SET
                    location_of_development = coalesce(EXCLUDED.location_of_development, d.location_of_development),
                    tract_geoid = EXCLUDED.tract_geoid, oz_status = EXCLUDED.oz_status,
                    designation_round = EXCLUDED.designation_round, geographical_zone = EXCLUDED.geographical_zone,
                    profile_completion_score = GREATEST(EXCLUDED.profile_completion_score, d.profile_completion_score),
                    last_checked_at = now(), updated_at = now()
                RETURNING \(unescaped: Self.columns), (xmax = 0)
                """,
                logger: logger
            )
            var saved: (DeveloperProfile, Bool)?
            for try await (u, l, t, o, r, z, s, c, cr, up, created) in rows.decode(
                (UUID, String?, String?, Bool?, Int?, String?, Int, Date?, Date, Date, Bool).self
            ) {
                saved = (Self.profile((u, l, t, o, r, z, s, c, cr, up)), created)
            }
            guard let (profile, created) = saved else { throw Problem.conflict("The profile could not be saved; try again.") }
            try await self.outbox.publish(
                OZCheckCompleted(userId: userID, tractGeoid: result.tractGeoid, designated: result.designated),
                on: connection, logger: logger
            )
            if created {
                try await self.outbox.publish(DeveloperProfileCreated(userId: userID), on: connection, logger: logger)
            }
            return profile
        }
    }

    func find(_ userID: UUID, logger: Logger) async throws -> DeveloperProfile? {
        let rows = try await self.postgres.query(
            "SELECT \(unescaped: Self.columns) FROM properties.developer_profiles WHERE user_id = \(userID)",
            logger: logger
        )
        for try await row in rows.decode(Row.self) { return Self.profile(row) }
        return nil
    }

    static let columns = """
        user_id, location_of_development, tract_geoid::text, oz_status, designation_round::int, geographical_zone,
        profile_completion_score, last_checked_at, created_at, updated_at
        """

    typealias Row = (UUID, String?, String?, Bool?, Int?, String?, Int, Date?, Date, Date)

    static func profile(_ row: Row) -> DeveloperProfile {
        DeveloperProfile(
            userId: row.0, locationOfDevelopment: row.1, tractGeoid: row.2, ozStatus: row.3, designationRound: row.4,
            geographicalZone: row.5, profileCompletionScore: row.6, lastCheckedAt: row.7, createdAt: row.8, updatedAt: row.9
        )
    }
}
