import Crypto
import Foundation

/// Access tokens already verified, so a client sending the same token again does not pay an EdDSA
/// verification per request (issue 19). Pure: the verifier owns one behind a lock.
///
/// Entries are keyed by the SHA-256 of the whole token, never by its signature alone (a cached
/// signature with another payload must miss), and compared in constant time. Each entry holds until
/// its `deadline`: the token's `exp`, or sooner when the key set it was verified with is due for a
/// refresh, so a key auth stops publishing stops verifying as it does without the cache. Bounded:
/// two generations of at most `capacity / 2` entries each; when the young one fills it becomes the
/// old one and the previous old one is dropped, so tokens in use survive and idle ones age out.
struct VerifiedTokenCache: Sendable {
    /// SHA-256 of a token; `==` looks at every byte whatever differs first.
    struct Key: Hashable, Sendable {
        let words: (UInt64, UInt64, UInt64, UInt64)

        init(token: some StringProtocol) {
            var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            let digest = SHA256.hash(data: Array(token.utf8))
            digest.withUnsafeBytes { bytes in
                withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: bytes) }
            }
            self.words = words
        }

        static func == (left: Key, right: Key) -> Bool {
            let difference =
                (left.words.0 ^ right.words.0) | (left.words.1 ^ right.words.1) | (left.words.2 ^ right.words.2)
                | (left.words.3 ^ right.words.3)
            return difference == 0
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(self.words.0)
            hasher.combine(self.words.1)
            hasher.combine(self.words.2)
            hasher.combine(self.words.3)
        }
    }

    struct Entry: Sendable {
        var identity: Identity
        /// The first instant the token may no longer be answered from here.
        var deadline: Date
    }

    let capacity: Int
    private var young: [Key: Entry] = [:]
    private var old: [Key: Entry] = [:]

    init(capacity: Int) {
        precondition(capacity >= 2, "a cache of fewer than two entries cannot keep two generations")
        self.capacity = capacity
    }

    var count: Int { self.young.count + self.old.count }

    /// The identity verified for this token, while `now` is before its deadline. A token past
    /// its deadline is forgotten, so the caller verifies it afresh (and says why it fails).
    mutating func identity(for key: Key, now: Date) -> Identity? {
        if let entry = self.young[key] {
            guard now < entry.deadline else {
                self.young[key] = nil
                return nil
            }
            return entry.identity
        }
        guard let entry = self.old.removeValue(forKey: key), now < entry.deadline else { return nil }
        // In use again: it moves to the young generation so the next turnover keeps it.
        self.store(key, entry)
        return entry.identity
    }

    mutating func insert(_ identity: Identity, for key: Key, deadline: Date) {
        self.old[key] = nil
        self.store(key, Entry(identity: identity, deadline: deadline))
    }

    /// Forgets every token, e.g. when the key set changed and entries may name a removed key.
    mutating func removeAll() {
        self.young.removeAll()
        self.old.removeAll()
    }

    private mutating func store(_ key: Key, _ entry: Entry) {
        if self.young[key] == nil, self.young.count >= self.capacity / 2 {
            self.old = self.young
            self.young = [:]
        }
        self.young[key] = entry
    }
}
