import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PostgresNIO

/// `Idempotency-Key` for POSTs that move money or send messages (ARCHITECTURE.md): the first
/// response to a key is stored in the same transaction as its effect, and a retry with that key
/// gets the stored response instead of doing the work again.
///
/// Concurrent retries are safe without a lock of our own: the second `INSERT` of a key waits on the
/// first transaction's uncommitted row, then either finds it committed (and replays its response)
/// or rolled back (and does the work itself).
public struct IdempotentRequests: Sendable {
    let schema: String

    public init(schema: String) {
        self.schema = schema
    }

    /// A key from the request, checked: 8–200 visible ASCII characters.
    public static func key(from request: Request, required: Bool) throws -> String? {
        guard let key = request.headers[.idempotencyKey] else {
            if required {
                throw Problem.validation(field: "Idempotency-Key", "this request moves money: send an Idempotency-Key header (e.g. a UUID)")
            }
            return nil
        }
        guard (8...200).contains(key.count), key.unicodeScalars.allSatisfy({ (33...126).contains($0.value) }) else {
            throw Problem.validation(field: "Idempotency-Key", "must be 8–200 visible ASCII characters")
        }
        return key
    }

    /// The fingerprint a key is bound to: method, path and body bytes.
    public static func fingerprint(method: HTTPRequest.Method, path: String, body: ByteBuffer?) -> String {
        var hasher = SHA256()
        hasher.update(data: Data("\(method.rawValue) \(path)\n".utf8))
        if let body { hasher.update(data: Data(body.readableBytesView)) }
        return hasher.finalize().hexString
    }

    /// Runs `work` on `connection` (inside the caller's transaction) unless `key` already has a
    /// response, which is returned instead. Without a key, `work` simply runs.
    public func run(
        key: String?,
        owner: String,
        fingerprint: String,
        on connection: PostgresConnection,
        logger: Logger,
        _ work: () async throws -> JSONDocument
    ) async throws -> JSONDocument {
        guard let key else { return try await work() }
        let claimed = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(self.schema).idempotency_keys (owner, key, request_hash) VALUES ($1, $2, $3)
                    ON CONFLICT (owner, key) DO NOTHING RETURNING key
                    """,
                binds: Self.binds(owner, key, fingerprint)
            ),
            logger: logger
        )
        var isFirst = false
        for try await _ in claimed { isFirst = true }
        guard isFirst else { return try await self.replay(key: key, owner: owner, fingerprint: fingerprint, on: connection, logger: logger) }
        let document = try await work()
        try await connection.query(
            PostgresQuery(
                unsafeSQL: "UPDATE \(self.schema).idempotency_keys SET status = $1, response = $2 WHERE owner = $3 AND key = $4",
                binds: {
                    var binds = PostgresBindings()
                    binds.append(Int(document.status.code))
                    binds.append(document.text)
                    binds.append(owner)
                    binds.append(key)
                    return binds
                }()
            ),
            logger: logger
        )
        return document
    }

    private func replay(key: String, owner: String, fingerprint: String, on connection: PostgresConnection, logger: Logger) async throws
        -> JSONDocument
    {
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: "SELECT request_hash, status, response FROM \(self.schema).idempotency_keys WHERE owner = $1 AND key = $2",
                binds: Self.binds(owner, key)
            ),
            logger: logger
        )
        for try await (hash, status, response) in rows.decode((String, Int?, String?).self) {
            guard hash == fingerprint else {
                throw Problem(
                    .unprocessableContent,
                    detail: "This Idempotency-Key was used for a different request; use a new key for a new request.",
                    type: "https://tract.dev/problems/idempotency-key-reused"
                )
            }
            guard let status, let response else { break }
            return JSONDocument(response, status: HTTPResponse.Status(code: status), headers: [.idempotentReplayed: "true"])
        }
        throw Problem.conflict("A request with this Idempotency-Key is still being processed; retry shortly.")
    }

    private static func binds(_ values: String...) -> PostgresBindings {
        var binds = PostgresBindings()
        for value in values { binds.append(value) }
        return binds
    }
}

extension HTTPField.Name {
    /// Set on a response replayed from an earlier request with the same `Idempotency-Key`.
    public static let idempotentReplayed = Self("Idempotent-Replayed")!
}

/// A request's `Idempotency-Key` with what it is bound to: the caller and the request itself.
public struct IdempotencyClaim: Sendable {
    public var key: String?
    public var owner: String
    public var fingerprint: String
}

extension IdempotentRequests {
    /// Reads the key and fingerprints the request; the body is collected (up to `limit`) so it can
    /// still be decoded afterwards.
    public static func claim(_ request: inout Request, owner: String, limit: Int, required: Bool = true) async throws
        -> IdempotencyClaim
    {
        let key = try Self.key(from: request, required: required)
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw Problem.bodyTooLarge(limit: limit)
        }
        return IdempotencyClaim(key: key, owner: owner, fingerprint: Self.fingerprint(method: request.method, path: request.uri.path, body: body))
    }

    /// `run(key:owner:fingerprint:…)` for a claim.
    public func run(
        _ claim: IdempotencyClaim,
        on connection: PostgresConnection,
        logger: Logger,
        _ work: () async throws -> JSONDocument
    ) async throws -> JSONDocument {
        try await self.run(key: claim.key, owner: claim.owner, fingerprint: claim.fingerprint, on: connection, logger: logger, work)
    }
}
