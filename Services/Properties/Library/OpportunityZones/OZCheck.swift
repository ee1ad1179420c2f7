import Foundation
import Logging
import Models
import PostgresNIO

/// `POST /v1/oz/check`: one of a tract GEOID, a street address, or a point.
struct OZCheckRequest: Decodable, Sendable {
    var tractGeoid: String?
    var address: String?
    var lat: Double?
    var lng: Double?
    /// Keep the answer on the caller's developer profile (needs sign-in).
    var save: Bool?
    /// The day the answer is for, `YYYY-MM-DD`; today (the service's clock, UTC) when left out.
    /// Text here and parsed by the controller, so a bad date is a 422 naming `as_of`.
    var asOf: String?
}

/// Whether a census tract is a designated Qualified Opportunity Zone on a day, and how the tract
/// was found.
struct OZCheckResult: Codable, Sendable, Equatable {
    var tractGeoid: String
    /// The day `designated` is for.
    var asOf: CalendarDate
    /// At least one round listing the tract is in force on `as_of` (§1400Z-1).
    var designated: Bool
    /// In the newest round in force on `as_of`: `Low-Income Community` or `Non-LIC Contiguous`;
    /// absent when not designated that day.
    var tractType: String?
    /// The newest round in force on `as_of`; absent when not designated that day.
    var designationRound: Int?
    /// Every round in force on `as_of` that lists the tract, newest first (2027 and 2028 may have two).
    var rounds: [OZTractDesignation]
    /// Rounds listing the tract that have not taken effect on `as_of` ("designated from 2027-01-01").
    var upcoming: [OZTractDesignation]
    /// Rounds listing the tract whose designation has ended by `as_of` ("designation ended 2028-12-31").
    var ended: [OZTractDesignation]
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

/// One designation round that lists a tract: the round's window and legal basis
/// (`properties.oz_designation_rounds`) and the tract's type in it.
struct OZTractDesignation: Codable, Sendable, Equatable {
    var round: Int
    var tractType: String
    var startsOn: CalendarDate
    var endsOn: CalendarDate
    var legalBasis: String
    /// Beside an upcoming or ended round: "designated from 2027-01-01", "designation ended 2028-12-31".
    var note: String?

    var window: OZDesignationRound { OZDesignationRound(round: self.round, startsOn: self.startsOn, endsOn: self.endsOn) }
}

extension OZCheckResult {
    /// The answer for `tract` on `day` from the rounds that list it (`OZDesignation` decides which
    /// are in force); `state` and `county` as the newest list spells them, or the GEOID's state.
    init(tract: TractGEOID, on day: CalendarDate, listings: [(designation: OZTractDesignation, state: String, county: String)]) {
        let designation = OZDesignation(listings.map { $0.designation }, on: day, window: { $0.window })
        func noted(_ rounds: [OZTractDesignation]) -> [OZTractDesignation] {
            rounds.map {
                var round = $0
                round.note = round.window.note(on: day)
                return round
            }
        }
        let newest = listings.max { $0.designation.round < $1.designation.round }
        self.init(
            tractGeoid: tract.value, asOf: day, designated: designation.designated,
            tractType: designation.inForce.first?.tractType, designationRound: designation.inForce.first?.round,
            rounds: designation.inForce, upcoming: noted(designation.upcoming), ended: noted(designation.ended),
            state: newest?.state ?? tract.stateName, county: newest?.county, checkedBy: "tract_geoid"
        )
    }
}

/// The designated tracts (`properties.oz_tracts`) and the rounds that list them.
struct OZTracts: Sendable {
    let postgres: PostgresClient

    func check(_ tract: TractGEOID, on day: CalendarDate, logger: Logger) async throws -> OZCheckResult {
        let rows = try await postgres.query(
            """
            SELECT t.designation_round::int, t.tract_type, to_char(r.starts_on, 'YYYY-MM-DD'), to_char(r.ends_on, 'YYYY-MM-DD'), r.legal_basis, t.state, t.county
            FROM properties.oz_tracts t JOIN properties.oz_designation_rounds r ON r.round = t.designation_round
            WHERE t.tract_geoid = \(tract.value)
            """,
            logger: logger
        )
        var listings: [(designation: OZTractDesignation, state: String, county: String)] = []
        for try await (round, tractType, startsOn, endsOn, legalBasis, state, county) in rows.decode(
            (Int, String, String, String, String, String, String).self
        ) {
            // The table's dates are real days (a `date` column); one that did not parse here would be
            // a broken table, a server fault the check must not hide.
            guard let starts = CalendarDate(startsOn), let ends = CalendarDate(endsOn) else {
                throw OZRoundsError.unreadableWindow(round: round)
            }
            let designation = OZTractDesignation(round: round, tractType: tractType, startsOn: starts, endsOn: ends, legalBasis: legalBasis)
            listings.append((designation, state, county))
        }
        return OZCheckResult(tract: tract, on: day, listings: listings)
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

/// A designation round whose dates the check cannot read: a server fault (500), never the caller's.
enum OZRoundsError: Error {
    case unreadableWindow(round: Int)
}
