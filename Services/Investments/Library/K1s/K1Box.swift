import Crypto
import Foundation
import Logging
import ServiceKit

/// Seals K-1 files at rest with AES-GCM: a K-1 carries the investor's taxpayer id. The K-1's id is
/// the associated data, so a sealed file copied onto another row does not open. The key is
/// `K1_ENCRYPTION_KEY` when set, else the kit's `StoredKey` in `investments.k1_sealing_keys`.
struct K1Box: Sendable {
    let key: StoredKey

    func seal(_ file: [UInt8], id: UUID, logger: Logger) async throws -> [UInt8] {
        let box = try AES.GCM.seal(file, using: try await self.key.key(logger: logger), authenticating: Self.associatedData(id))
        guard let combined = box.combined else { throw K1Unreadable() }
        return Array(combined)
    }

    func open(_ sealed: [UInt8], id: UUID, logger: Logger) async throws -> [UInt8] {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            return Array(try AES.GCM.open(box, using: try await self.key.key(logger: logger), authenticating: Self.associatedData(id)))
        } catch {
            throw K1Unreadable()
        }
    }

    private static func associatedData(_ id: UUID) -> Data { Data("k1:\(id.uuidString.lowercased())".utf8) }
}

/// A sealed K-1 that does not open (another key, a row tampered with).
struct K1Unreadable: Error {}
