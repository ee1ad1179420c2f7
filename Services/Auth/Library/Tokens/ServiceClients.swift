import Crypto
import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Clients of the client-credentials grant (RFC 6749 §4.4): the other services, with hashed secrets
/// and the scopes they may ask for.
struct ServiceClients: Sendable {
    let postgres: PostgresClient

    /// Makes `auth.service_clients` exactly the clients named in `SERVICE_CLIENTS`: each upserted
    /// with its hashed secret and the scopes `ServiceGrants` gives its service, and every client
    /// no longer configured deleted, so a removed (or renamed) client's secret stops working.
    /// Tokens it already holds expire on their own (`ACCESS_TOKEN_TTL_SECONDS`).
    func register(_ clients: [(id: String, secret: String)], logger: Logger) async throws {
        try await self.postgres.transaction(logger: logger) { connection in
            for client in clients {
                let scopes = ServiceName(rawValue: client.id).map(ServiceGrants.scopes(of:)) ?? []
                try await connection.query(
                    """
                    INSERT INTO auth.service_clients (client_id, secret_hash, scopes) VALUES (\(client.id), \(SecretToken.hash(client.secret)), \(scopes))
                    ON CONFLICT (client_id) DO UPDATE SET secret_hash = excluded.secret_hash, scopes = excluded.scopes, updated_at = now()
                    """,
                    logger: logger
                )
            }
            let configured = clients.map(\.id)
            let removed = try await connection.query(
                "DELETE FROM auth.service_clients WHERE NOT (client_id = ANY(\(configured))) RETURNING client_id",
                logger: logger
            )
            for try await client in removed.decode(String.self) {
                logger.notice("service client removed: no longer in SERVICE_CLIENTS", metadata: ["client_id": .string(client)])
            }
        }
    }

    /// The client's allowed scopes when the secret is right; compared in constant time.
    func authenticate(clientID: String, secret: String, logger: Logger) async throws -> [String]? {
        let rows = try await self.postgres.query(
            "SELECT secret_hash, scopes FROM auth.service_clients WHERE client_id = \(clientID)",
            logger: logger
        )
        var found: (String, [String])?
        for try await row in rows.decode((String, [String]).self) { found = row }
        // Hash even for unknown clients so timing does not tell which ids exist.
        let presented = Data(SecretToken.hash(secret).utf8)
        let stored = Data((found?.0 ?? SecretToken.hash("unknown-client")).utf8)
        let matches = presented.withUnsafeBytes { left in
            stored.withUnsafeBytes { right in safeCompare(left, right) }
        }
        guard let found, matches else { return nil }
        return found.1
    }
}

/// Constant-time equality of two byte buffers (length is not secret here: hashes are fixed-size).
func safeCompare(_ left: UnsafeRawBufferPointer, _ right: UnsafeRawBufferPointer) -> Bool {
    guard left.count == right.count else { return false }
    var difference: UInt8 = 0
    for index in 0..<left.count { difference |= left[index] ^ right[index] }
    return difference == 0
}
