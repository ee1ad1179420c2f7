import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import ServiceKit

extension PropertiesEntryPoint {
    public static var commands: [any AsyncParsableCommand.Type] { [ImportOZRoundCommand.self] }
}

/// `properties import-oz-round --round 2027 --file designated-2027.csv`: loads a designation
/// round's tracts the day Treasury publishes them (README, "Opportunity Zone data"). The round's
/// window and legal basis are a row of `properties.oz_designation_rounds` already (migration 0011
/// has 2018 and 2027); the file brings only the tracts.
struct ImportOZRoundCommand: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "import-oz-round",
            abstract: "Load a designation round's Opportunity Zone tracts from a CSV file (idempotent, all or nothing).",
            discussion: """
                The file is CSV (RFC 4180, UTF-8; save Treasury's XLSX as CSV).
                Its first line is:
                  geoid,state,county,tract_type
                geoid       11-digit 2010 census tract GEOID, e.g. 01001020700
                state       name, USPS or FIPS code of the GEOID's state (Alabama, AL, 01)
                county      county name (one per county) or FIPS code (001 or 01001)
                tract_type  Low-Income Community or Non-LIC Contiguous
                Every line is checked before anything is loaded: a broken line
                stops the import with its number and a non-zero exit. Loading
                the same file again changes nothing. DATABASE_URL names the
                database, as for `properties migrate`.
                """
        )
    }

    @Option(help: "The designation round (a row of properties.oz_designation_rounds), e.g. 2027.")
    var round: Int

    @Option(help: "The round's list of tracts as CSV.")
    var file: String

    func validate() throws {
        guard (2018...9999).contains(self.round) else { throw ValidationError("--round must be a year from 2018") }
    }

    func run() async throws {
        let text: String
        do {
            text = try String(contentsOfFile: self.file, encoding: .utf8)
        } catch {
            throw ValidationError("cannot read \(self.file) as UTF-8 text")
        }
        let parsed = try OZRoundFile(csv: text)
        let configuration = try ServiceCommand<PropertiesEntryPoint>.loadConfiguration()
        LoggingSystem.bootstrapJSON(service: "properties", level: configuration.logLevel)
        let logger = Logger(label: "tract.properties.import-oz-round")
        let client = PostgresClient(configuration: try configuration.database.clientConfiguration, backgroundLogger: logger)
        let outcome = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await OZRoundImport(postgres: client).load(parsed, round: self.round, logger: logger)
        }
        print(Self.report(parsed, round: self.round, outcome: outcome))
    }

    /// Counts per state, then what changed.
    static func report(_ file: OZRoundFile, round: Int, outcome: OZRoundImport.Outcome) -> String {
        var lines = file.countsByState.map { "  \($0.state): \($0.tracts)" }
        lines.insert("round \(round): \(file.tracts.count) tracts in the file, by state:", at: 0)
        lines.append("\(outcome.inserted) added, \(outcome.updated) already loaded (updated in place)")
        if outcome.notInFile > 0 {
            lines.append("\(outcome.notInFile) tracts of round \(round) in the database are not in this file (left as they are)")
        }
        return lines.joined(separator: "\n")
    }
}
