import Logging
import PostgresNIO
import ServiceKit

/// Loads a designation round's tracts into `properties.oz_tracts` in one transaction: all of the
/// file or none of it. Idempotent: a tract already in the round is updated in place (`ON CONFLICT`),
/// so loading the same file twice, or a corrected one, leaves one row per tract and round. Tracts
/// of the round missing from the file are left as they are and counted, so a partial file never
/// silently shrinks a round.
struct OZRoundImport: Sendable {
    let postgres: PostgresClient

    struct Outcome: Sendable, Equatable {
        var inserted: Int
        var updated: Int
        /// Tracts the round held before that the file does not list.
        var notInFile: Int
    }

    enum Failure: Error, Equatable, CustomStringConvertible {
        /// The round has no row in `properties.oz_designation_rounds` (its window and legal basis
        /// come first, by migration).
        case unknownRound(Int, known: [Int])

        var description: String {
            switch self {
            case .unknownRound(let round, let known):
                "round \(round) is not a designation round (properties.oz_designation_rounds has \(known.map(String.init).joined(separator: ", "))); "
                    + "add its window and legal basis by migration first"
            }
        }
    }

    func load(_ file: OZRoundFile, round: Int, logger: Logger) async throws -> Outcome {
        try await self.postgres.transaction(logger: logger) { connection in
            var known: [Int] = []
            // FOR SHARE: the round cannot be deleted while its tracts go in.
            let rounds = try await connection.query(
                "SELECT round::int FROM properties.oz_designation_rounds ORDER BY round FOR SHARE", logger: logger)
            for try await value in rounds.decode(Int.self) { known.append(value) }
            guard known.contains(round) else { throw Failure.unknownRound(round, known: known) }

            let geoids = file.tracts.map(\.geoid.value)
            let counted = try await connection.query(
                """
                WITH loaded AS (
                    INSERT INTO properties.oz_tracts (designation_round, tract_geoid, state, county, tract_type)
                    SELECT \(round)::smallint, g, s, c, t
                    FROM unnest(\(geoids)::text[], \(file.tracts.map(\.state))::text[], \(file.tracts.map(\.county))::text[],
                                \(file.tracts.map(\.tractType))::text[]) AS f(g, s, c, t)
                    ON CONFLICT (tract_geoid, designation_round)
                        DO UPDATE SET state = EXCLUDED.state, county = EXCLUDED.county, tract_type = EXCLUDED.tract_type
                    RETURNING (xmax = 0) AS inserted
                )
                SELECT (SELECT count(*) FILTER (WHERE inserted) FROM loaded)::int,
                       (SELECT count(*) FILTER (WHERE NOT inserted) FROM loaded)::int,
                       (SELECT count(*) FROM properties.oz_tracts
                         WHERE designation_round = \(round) AND tract_geoid <> ALL (\(geoids)::char(11)[]))::int
                """,
                logger: logger
            )
            for try await (inserted, updated, notInFile) in counted.decode((Int, Int, Int).self) {
                return Outcome(inserted: inserted, updated: updated, notInFile: notInFile)
            }
            return Outcome(inserted: 0, updated: 0, notInFile: 0)
        }
    }
}
