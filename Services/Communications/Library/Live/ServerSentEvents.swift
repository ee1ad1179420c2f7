import Foundation

/// The `text/event-stream` wire format (WHATWG HTML, "Server-sent events"): pure, no I/O.
enum ServerSentEvents {
    /// One event. `data` must be one line (compact JSON is); `event` names come from code, and any
    /// line break in either is dropped so a value can never start a field of its own.
    static func event(id: Int64?, event: String, data: String) -> String {
        var text = ""
        if let id { text += "id: \(id)\n" }
        text += "event: \(Self.oneLine(event))\n"
        text += "data: \(Self.oneLine(data))\n\n"
        return text
    }

    /// A comment line: ignored by clients, but it keeps proxies and load balancers from closing
    /// an idle connection and shows the server when the client has gone.
    static func comment(_ text: String) -> String { ": \(Self.oneLine(text))\n\n" }

    /// How long an EventSource waits before reconnecting after the stream ends.
    static func retry(milliseconds: Int) -> String { "retry: \(milliseconds)\n\n" }

    private static func oneLine(_ text: String) -> String {
        text.contains(where: \.isNewline) ? String(text.filter { !$0.isNewline }) : text
    }

    /// The resume point a client sent: `Last-Event-ID` (what an EventSource sends on reconnect)
    /// wins over `?after=` (for clients that cannot set headers); an empty `Last-Event-ID` (an
    /// EventSource that has seen no id yet) says nothing, so `?after=` counts. Both are checked
    /// whichever is used: a malformed value is refused, not quietly ignored. nil when neither is
    /// present.
    static func resumePoint(lastEventID: String?, after: String?) -> Result<Int64?, ResumeError> {
        var fromQuery: Int64?
        if let after {
            guard let value = Int64(after), value >= 0 else { return .failure(ResumeError(field: "after")) }
            fromQuery = value
        }
        if let lastEventID, !lastEventID.isEmpty {
            guard let value = Int64(lastEventID), value >= 0 else { return .failure(ResumeError(field: "Last-Event-ID")) }
            return .success(value)
        }
        return .success(fromQuery)
    }

    struct ResumeError: Error, Equatable {
        var field: String
    }
}

/// `user:seq` pairs from a NOTIFY payload on `LiveFeed.channel`; malformed pairs are skipped (the
/// periodic re-read covers anything lost).
enum LiveNotice {
    static func parse(_ payload: String) -> [(user: UUID, seq: Int64)] {
        payload.split(separator: ",").compactMap { pair in
            let parts = pair.split(separator: ":")
            guard parts.count == 2, let user = UUID(uuidString: String(parts[0])), let seq = Int64(parts[1]) else { return nil }
            return (user, seq)
        }
    }
}
