/// A W3C Trace Context `traceparent` header (https://www.w3.org/TR/trace-context/#traceparent-header):
/// `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`.
///
/// Each service continues the caller's trace (same trace id) and names itself as the parent of the
/// calls it makes, so one user action can be followed across services in the logs and, when spans
/// are exported, in one trace (`TraceSpans`).
///
/// Held as the current span (`TraceParent.current`, a request context's `traceParent`), the middle
/// field is that span's own id: the header a call made from inside it sends.
public struct TraceParent: Sendable, Equatable, CustomStringConvertible {
    public var traceID: String
    public var parentID: String
    public var flags: String

    /// The span's own id, when this value is the current span rather than a received header.
    public var spanID: String { self.parentID }

    public init?(header: String) {
        let parts = header.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "00", Self.isHex(parts[1], count: 32), Self.isHex(parts[2], count: 16),
            Self.isHex(parts[3], count: 2),
            parts[1] != Substring(String(repeating: "0", count: 32)),
            parts[2] != Substring(String(repeating: "0", count: 16))
        else { return nil }
        self.traceID = String(parts[1])
        self.parentID = String(parts[2])
        self.flags = String(parts[3])
    }

    init(traceID: String, parentID: String, flags: String) {
        self.traceID = traceID
        self.parentID = parentID
        self.flags = flags
    }

    /// A request context's trace before `RequestIDMiddleware` sets it: all zeros, which W3C makes
    /// invalid, so were it ever sent a receiver would start a trace of its own.
    static let unset = TraceParent(traceID: String(repeating: "0", count: 32), parentID: String(repeating: "0", count: 16), flags: "00")

    /// A new trace, for requests that arrive without one.
    public static func random() -> TraceParent {
        TraceParent(traceID: randomHex(bytes: 16), parentID: randomHex(bytes: 8), flags: "01")
    }

    /// The header for an outgoing call: same trace, this service as the parent span.
    public func child() -> TraceParent {
        TraceParent(traceID: self.traceID, parentID: Self.randomHex(bytes: 8), flags: self.flags)
    }

    public var description: String { "00-\(self.traceID)-\(self.parentID)-\(self.flags)" }

    private static func isHex(_ text: Substring, count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// `bytes` random bytes (a multiple of 8) in lowercase hex, from `RequestIdentifiers` (a system
    /// call per id made new trace ids a visible share of a request's cost, issue 19).
    private static func randomHex(bytes: Int) -> String {
        RequestIdentifiers.hex(words: bytes / 8)
    }
}
