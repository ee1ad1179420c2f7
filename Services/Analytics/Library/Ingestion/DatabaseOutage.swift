import HTTPTypes
import PostgresNIO
import ServiceKit

/// A database that is restarting or unreachable is a 503 with `Retry-After`, not a 500: the
/// client should send the same batch again, and the event ids make that retry store each event
/// once. Anything else (a bad statement, a constraint) stays the server's fault.
enum DatabaseOutage {
    static func mapping<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error where Self.isOutage(error) {
            throw Problem(
                .serviceUnavailable, detail: "The event store is unavailable for a moment; send the same events again (their ids keep it safe).",
                headers: [.retryAfter: "1"]
            )
        }
    }

    static func isOutage(_ error: any Error) -> Bool {
        if let error = error as? PSQLError {
            switch error.code {
            case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown, .poolClosed, .queryCancelled:
                return true
            case .server:
                // Class 57 (operator intervention: admin_shutdown, crash_shutdown, cannot_connect_now),
                // 08 (connection exception) and 53 (insufficient resources: too many connections).
                let state = error.serverInfo?[.sqlState] ?? ""
                return state.hasPrefix("57") || state.hasPrefix("08") || state.hasPrefix("53")
            default:
                return false
            }
        }
        // The pool's own error (its circuit breaker after failed connects) is in a module the
        // service does not import; its type name is stable API.
        return String(describing: type(of: error)) == "ConnectionPoolError"
    }
}
