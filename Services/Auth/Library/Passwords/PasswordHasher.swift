import CArgon2
import Foundation
import NIOCore
import NIOPosix

/// Argon2id password hashing at OWASP's recommended cost (m = 19 MiB, t = 2, p = 1; OWASP Password
/// Storage Cheat Sheet). The parameters travel inside the PHC-encoded hash
/// (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`), so they can be raised later and old hashes still
/// verify; `needsRehash` tells the sign-in path to upgrade a hash made with weaker ones.
public struct PasswordHasher: Sendable {
    public struct Parameters: Sendable, Equatable {
        public var memoryKiB: UInt32
        public var iterations: UInt32
        public var parallelism: UInt32

        public static let owasp = Parameters(memoryKiB: 19_456, iterations: 2, parallelism: 1)
    }

    public enum Failure: Error {
        case hashing(String)
    }

    public let parameters: Parameters
    /// Argon2 takes tens of milliseconds of CPU: it runs on a thread pool, never on an event loop.
    let threadPool: NIOThreadPool
    /// Hashes running or waiting for a thread; beyond the limit a request gets 503 at once.
    let admission: HashAdmission

    /// Hashing's own threads, one per core, for the whole process: nothing else queues in front of
    /// a sign-in's hash, and the event loops never wait for one. Started once, never shut down,
    /// like `NIOThreadPool.singleton`.
    public static let hashingThreads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: System.coreCount)
        pool.start()
        return pool
    }()

    /// `admitting`: hashes in flight at most; the default lets each thread have 16 waiting, about
    /// half a second of work at the OWASP parameters.
    public init(parameters: Parameters = .owasp, threadPool: NIOThreadPool = PasswordHasher.hashingThreads, admitting: Int = System.coreCount * 17) {
        self.parameters = parameters
        self.threadPool = threadPool
        self.admission = HashAdmission(limit: admitting)
    }

    /// Throws 503 (`Retry-After`) when too many hashes are already in flight.
    public func hash(_ password: String) async throws -> String {
        try self.admission.enter()
        defer { self.admission.leave() }
        return try await self.threadPool.runIfActive { try self.hashNow(password) }
    }

    /// Constant-time comparison inside libargon2; a malformed stored hash never verifies. Throws
    /// 503 (`Retry-After`) when too many hashes are already in flight.
    public func verify(_ password: String, against encoded: String) async throws -> Bool {
        try self.admission.enter()
        defer { self.admission.leave() }
        return try await self.threadPool.runIfActive { self.verifyNow(password, against: encoded) }
    }

    /// True when `encoded` was made with other parameters than the current ones.
    public func needsRehash(_ encoded: String) -> Bool {
        Self.parameters(of: encoded) != self.parameters
    }

    func hashNow(_ password: String) throws -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = generator.next() }
        let hashLength = 32
        let encodedLength = argon2_encodedlen(
            self.parameters.iterations, self.parameters.memoryKiB, self.parameters.parallelism,
            UInt32(salt.count), UInt32(hashLength), Argon2_id
        )
        var encoded = [CChar](repeating: 0, count: encodedLength)
        let passwordBytes = Array(password.utf8)
        let result = argon2id_hash_encoded(
            self.parameters.iterations, self.parameters.memoryKiB, self.parameters.parallelism,
            passwordBytes, passwordBytes.count, salt, salt.count, hashLength, &encoded, encodedLength
        )
        guard result == ARGON2_OK.rawValue else {
            throw Failure.hashing(String(cString: argon2_error_message(result)))
        }
        let bytes = encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    func verifyNow(_ password: String, against encoded: String) -> Bool {
        guard encoded.hasPrefix("$argon2id$") else { return false }
        let passwordBytes = Array(password.utf8)
        return argon2id_verify(encoded, passwordBytes, passwordBytes.count) == ARGON2_OK.rawValue
    }

    /// Reads `m=…,t=…,p=…` from a PHC string.
    static func parameters(of encoded: String) -> Parameters? {
        let fields = encoded.split(separator: "$")
        guard fields.count >= 4, fields[0] == "argon2id" else { return nil }
        var values: [Substring: UInt32] = [:]
        for pair in fields[2].split(separator: ",") {
            let parts = pair.split(separator: "=")
            guard parts.count == 2, let value = UInt32(parts[1]) else { return nil }
            values[parts[0]] = value
        }
        guard let memory = values["m"], let iterations = values["t"], let parallelism = values["p"] else { return nil }
        return Parameters(memoryKiB: memory, iterations: iterations, parallelism: parallelism)
    }
}
