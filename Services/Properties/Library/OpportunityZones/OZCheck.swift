import Foundation
import Logging
import PostgresNIO

/// `POST /v1/oz/check`: one of a tract GEOID, a street address, or a point.
struct OZCheckRequest: Decodable, Sendable {
    var tractGeoid: String?
    var address: String?
    var lat: Double?
    var lng: Double?
    /// Keep the answer on the caller's developer profile (needs sign-in).
    var save: Bool?
}

/// Whether a census tract is a designated Qualified Opportunity Zone, and how the tract was found.
struct OZCheckResult: Codable, Sendable, Equatable {
    var tractGeoid: String
    var designated: Bool
    /// `Low-Income Community` or `Non-LIC Contiguous`; absent when not designated.
    var tractType: String?
    var designationRound: Int?
    var state: String
    var county: String?
    /// What the answer was looked up by: `tract_geoid`, `address` or `coordinates`.
    var checkedBy: String
    var matchedAddress: String?
    var coordinates: Coordinates?
    /// The caller's developer profile, when the check was saved to it.
    var developerProfile: DeveloperProfile?

    struct Coordinates: Codable, Sendable, Equatable {
        var lat: Double
        var lng: Double
    }
}

/// The designated tracts (`properties.oz_tracts`), newest round first.
struct OZTracts: Sendable {
    let postgres: PostgresClient

    func check(_ tract: TractGEOID, logger: Logger) async throws -> OZCheckResult {
        let rows = try await postgres.query(
            """
            SELECT designation_round::int, state, county, tract_type FROM properties.oz_tracts
            WHERE tract_geoid = \(tract.value) ORDER BY designation_round DESC LIMIT 1
            """,
            logger: logger
        )
        for try await (round, state, county, tractType) in rows.decode((Int, String, String, String).self) {
            return OZCheckResult(
                tractGeoid: tract.value, designated: true, tractType: tractType, designationRound: round,
                state: state, county: county, checkedBy: "tract_geoid"
            )
        }
        return OZCheckResult(
            tractGeoid: tract.value, designated: false, tractType: nil, designationRound: nil,
            state: tract.stateName, county: nil, checkedBy: "tract_geoid"
        )
    }

    /// The loaded 2010 tract whose boundary covers the point, if any.
    func locate(lat: Double, lng: Double, logger: Logger) async throws -> TractGEOID? {
        let rows = try await postgres.query(
            """
            SELECT tract_geoid::text FROM properties.tract_boundaries
            WHERE ST_Covers(boundary, ST_SetSRID(ST_MakePoint(\(lng), \(lat)), 4326))
            ORDER BY tract_geoid LIMIT 1
            """,
            logger: logger
        )
        for try await geoid in rows.decode(String.self) { return TractGEOID(geoid) }
        return nil
    }

    func hasBoundaries(logger: Logger) async throws -> Bool {
        let rows = try await postgres.query("SELECT EXISTS (SELECT FROM properties.tract_boundaries)", logger: logger)
        for try await exists in rows.decode(Bool.self) { return exists }
        return false
    }
}
