import HTTPTypes
import ServiceKit
import Synchronization

/// How many password hashes may be running or waiting at once (issue 19). Argon2id takes tens of
/// milliseconds of a core and 19 MiB each; a burst beyond what the hashing threads can clear in
/// about a second is answered at once with 503 and `Retry-After` rather than queued, so it cannot
/// pile up memory and latency for everyone, and the event loops keep serving other routes.
final class HashAdmission: Sendable {
    let limit: Int
    private let admitted = Mutex(0)

    init(limit: Int) {
        precondition(limit > 0, "a hash admission that admits nothing would refuse every sign-in")
        self.limit = limit
    }

    /// Takes a place or throws the 503; every successful `enter` is followed by one `leave`.
    func enter() throws {
        let entered = self.admitted.withLock { count in
            guard count < self.limit else { return false }
            count += 1
            return true
        }
        guard entered else { throw Self.busy }
    }

    func leave() {
        self.admitted.withLock { $0 -= 1 }
    }

    var inFlight: Int { self.admitted.withLock { $0 } }

    static let busy = Problem(
        .serviceUnavailable, detail: "Too many sign-ins are being checked at once. Try again in a moment.", headers: [.retryAfter: "1"])
}
