import Foundation
import Logging
import Models
import NIOHTTP1
import PostgresNIO
import ServiceKit
import ServiceLifecycle

/// Carries out due account deletions (GDPR Art. 17). Each other service is asked to erase the user
/// with `POST /internal/v1/users/{id}/erasure` (auth's service token, scope `internal:users.erase`)
/// and its 204 is recorded as its acknowledgement; a service that is down or fails is asked again
/// after ACCOUNT_DELETION_RETRY_SECONDS. When all four have acknowledged, auth deletes its own rows.
///
/// A synchronous call rather than a `user.deletion_due` event and a `user.deletion_completed`
/// reply: the answer is the acknowledgement, so auth needs no inbox of its own, the deletion never
/// passes through analytics' recorder (which would store it as an event naming the user), and the
/// route is the export's twin, already allowed by the network policy (auth calls every service).
struct AccountDeletionSweep: Service {
    let deletions: AccountDeletions
    let internalClient: InternalHTTPClient
    let peers: [String: URL]
    let logger: Logger

    /// The services asked to erase, in the order they are asked.
    static let services: [ServiceName] = [.properties, .investments, .communications, .analytics]

    func run() async throws {
        try await PeriodicWork(
            "account deletion sweep", every: self.deletions.settings.deletionPollInterval, roundLimit: .seconds(600), logger: self.logger
        ) {
            _ = try await self.sweep()
            return false
        }.run()
    }

    /// Works through every due request once; returns how many were completed.
    func sweep() async throws -> Int {
        var completed = 0
        while let request = try await self.deletions.claim(logger: self.logger) {
            if try await self.carryOut(request) { completed += 1 }
        }
        return completed
    }

    func carryOut(_ request: ClaimedDeletion) async throws -> Bool {
        var missing: [String] = []
        for service in Self.services where !request.acknowledged.contains(service.rawValue) {
            if await self.erase(request, at: service) {
                try await self.deletions.acknowledge(request, service: service, logger: self.logger)
            } else {
                missing.append(service.rawValue)
            }
        }
        guard missing.isEmpty else {
            self.logger.warning(
                "account deletion waits for services", metadata: ["request_id": .string(request.id.uuidString), "services": .string("\(missing)")])
            try await self.deletions.fail(request, reason: "not acknowledged: \(missing.joined(separator: ", "))", logger: self.logger)
            return false
        }
        do {
            try await self.deletions.complete(request, logger: self.logger)
        } catch let blocked as AccountDeletionBlocked {
            try await self.deletions.fail(request, reason: blocked.description, logger: self.logger)
            return false
        } catch {
            try? await self.deletions.fail(request, reason: "auth's own rows could not be deleted", logger: self.logger)
            throw error
        }
        self.logger.info("account deletion completed", metadata: ["request_id": .string(request.id.uuidString)])
        return true
    }

    private func erase(_ request: ClaimedDeletion, at service: ServiceName) async -> Bool {
        let base = self.peers[service.rawValue] ?? URL(string: "http://127.0.0.1:\(service.defaultPort)")!
        let url = base.appendingPathComponent("internal/v1/users/\(request.userID.uuidString.lowercased())/erasure")
        var fields = ["anonymous_id": request.anonymousID.uuidString.lowercased()]
        fields["email"] = request.email
        guard let data = try? JSONEncoder().encode(fields) else { return false }
        let body = String(decoding: data, as: UTF8.self)
        guard let reply = try? await self.internalClient.send(.POST, url, json: body, context: .background()) else { return false }
        return reply.status == 204
    }
}

extension AccountDeletionSweep {
    init(_ dependencies: ServiceDependencies, settings: PrivacySettings) {
        self.init(
            deletions: AccountDeletions(dependencies, settings: settings), internalClient: dependencies.internalClient,
            peers: dependencies.configuration.events.peers, logger: dependencies.logger)
    }
}
