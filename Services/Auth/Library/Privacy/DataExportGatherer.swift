import Foundation
import Logging
import Models
import NIOCore
import NIOHTTP1
import PostgresNIO
import ServiceKit
import ServiceLifecycle

/// Gathers requested data exports (GDPR Art. 15, Art. 20): auth's own rows read here, every other
/// service's from its `GET /internal/v1/users/{id}/export` with auth's service token, put together
/// as one JSON document, sealed and stored. The HTTP calls are made with no transaction open; a
/// service that is down fails the attempt, which is tried again later (`DataExports.fail`).
struct DataExportGatherer: Service {
    let exports: DataExports
    let postgres: PostgresClient
    let internalClient: InternalHTTPClient
    let peers: [String: URL]
    let clock: ServiceClock
    let logger: Logger

    /// The services whose rows are in an export, auth first.
    static let services: [ServiceName] = [.auth, .properties, .investments, .communications, .analytics]

    func run() async throws {
        // A round gathers one export; one was found, so the next round looks for another at once.
        // Given up after ten minutes, an export is claimed again when its claim runs out.
        try await PeriodicWork(
            "data export", every: self.exports.settings.exportPollInterval, roundLimit: .seconds(660), logger: self.logger
        ) {
            guard let export = try await self.claimNext() else { return false }
            await self.gather(export)
            return true
        }.run()
    }

    /// The next export waiting, if any; the claim is waited for at most a minute (`BackgroundRound`).
    private func claimNext() async throws -> ClaimedExport? {
        try await BackgroundRound.run("data export claim", within: .seconds(60), logger: self.logger) {
            try await self.exports.claim(logger: self.logger)
        }
    }

    func gather(_ export: ClaimedExport) async {
        do {
            var parts: [(ServiceName, String)] = []
            for service in Self.services {
                parts.append((service, try await self.rows(of: export.userID, at: service)))
            }
            try await self.exports.complete(export, archive: Self.archive(export, parts, at: self.clock.now), logger: self.logger)
        } catch {
            let reason = (error as? DataExportPartMissing)?.description ?? "gathering failed"
            self.logger.warning(
                "data export attempt failed",
                metadata: ["export_id": .string(export.id.uuidString), "attempt": .stringConvertible(export.attempts), "reason": .string(reason)])
            try? await self.exports.fail(export, reason: reason, logger: self.logger)
        }
    }

    /// One service's part: a JSON object of table name to rows.
    func rows(of user: UUID, at service: ServiceName) async throws -> String {
        if service == .auth {
            return try await PersonalDataExport.json(of: user, in: AuthPersonalData.tables, postgres: self.postgres, logger: self.logger)
        }
        let base = self.peers[service.rawValue] ?? URL(string: "http://127.0.0.1:\(service.defaultPort)")!
        let url = base.appendingPathComponent("internal/v1/users/\(user.uuidString.lowercased())/export")
        let reply: InternalHTTPClient.Reply
        do {
            reply = try await self.internalClient.send(.GET, url, context: .background())
        } catch {
            throw DataExportPartMissing(service: service, reason: "unreachable")
        }
        guard reply.status == 200 else { throw DataExportPartMissing(service: service, reason: "HTTP \(reply.status)") }
        let text = String(buffer: reply.body)
        // Only a JSON object goes into the archive: a proxy's error page must not.
        guard case .object? = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else {
            throw DataExportPartMissing(service: service, reason: "not a JSON object")
        }
        return text
    }

    /// The archive: one JSON document, each service's part under its name. The parts are already
    /// JSON, so they are put in as they came rather than decoded and encoded again.
    static func archive(_ export: ClaimedExport, _ parts: [(ServiceName, String)], at now: Date) -> [UInt8] {
        let header = try? JSONEncoder.tract.encode(
            ArchiveHeader(format: "tract-data-export/1", exportId: export.id, userId: export.userID, createdAt: now))
        var text = String(decoding: header ?? Data(#"{"format":"tract-data-export/1"}"#.utf8), as: UTF8.self)
        text.removeLast()  // the header's closing brace: the services follow inside the same object
        text += ",\"services\":{" + parts.map { "\"\($0.0.rawValue)\":\($0.1)" }.joined(separator: ",") + "}}"
        return Array(text.utf8)
    }

    struct ArchiveHeader: Encodable {
        var format: String
        var exportId: UUID
        var userId: UUID
        var createdAt: Date
    }
}

/// A service's part could not be had; the attempt fails and is tried again later.
struct DataExportPartMissing: Error, CustomStringConvertible {
    var service: ServiceName
    var reason: String
    var description: String { "\(self.service.rawValue): \(self.reason)" }
}
