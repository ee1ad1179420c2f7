import Foundation
import Logging
import NIOConcurrencyHelpers

/// One JSON object per line on standard output, so log shippers need no parsing rules:
/// `{"ts":"…","level":"info","service":"auth","message":"…","request_id":"…",…}`.
/// A line written inside a span (`TraceSpans`) also carries `trace_id` and `span_id`.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider? = .traceIDs
    public var logLevel: Logger.Level
    private let label: String
    private let service: String

    public init(label: String, service: String, level: Logger.Level) {
        self.label = label
        self.service = service
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        self.write(level: event.level, message: event.message, metadata: event.metadata, error: event.error)
    }

    private func write(level: Logger.Level, message: Logger.Message, metadata explicitMetadata: Logger.Metadata?, error: (any Error)?) {
        let now = Date().timeIntervalSince1970
        // Rounded to the microsecond, as `RFC3339.string(from:)` rounds.
        var line = JSONLogLine(
            timestamp: Int64((now * 1_000_000).rounded()), level: level, service: self.service, logger: self.label,
            message: message.description)
        // Provided, then the handler's own, then the call's: a later one replaces a shared name.
        for (key, value) in self.metadataProvider?.get() ?? [:] { line.set(Self.fieldName(key), value) }
        for (key, value) in self.metadata { line.set(Self.fieldName(key), value) }
        for (key, value) in explicitMetadata ?? [:] { line.set(Self.fieldName(key), value) }
        if let error { line.set("error", .string(String(reflecting: error))) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        line.write(into: &bytes)
        LogOutput.standard.append(bytes)
        // What was said just before the process gives up must be out before it dies. Not every
        // error: each 503 of a database outage is one, and a thread held on the pipe per request
        // would slow every answer the outage has to give at once.
        if level >= .critical { LogOutput.standard.flush() }
    }

    /// Hummingbird names its keys `hb.request.id`; logs use the suite's snake_case names. Bytes, not
    /// Foundation's `contains`/`replacingOccurrences`: those go through NSString, a visible share of
    /// every access-log line in the issue-19 profile.
    static func fieldName(_ key: String) -> String {
        if key == "hb.request.id" { return "request_id" }
        guard key.utf8.contains(UInt8(ascii: ".")) else { return key }
        return String(decoding: key.utf8.map { $0 == UInt8(ascii: ".") ? UInt8(ascii: "_") : $0 }, as: UTF8.self)
    }

    /// Returns once every line logged so far is written: the service calls it as it stops.
    public static func flush() {
        LogOutput.standard.flush()
    }
}

extension Logger.MetadataProvider {
    /// The current span's ids (`TraceParent.current`), so a line can be found from its trace and back.
    public static let traceIDs = Logger.MetadataProvider {
        guard let trace = TraceParent.current else { return [:] }
        return ["trace_id": .string(trace.traceID), "span_id": .string(trace.spanID)]
    }
}

extension LoggingSystem {
    private static let bootstrapped = NIOLockedValueBox(false)

    /// Installs JSON logging once per process (tests build many applications in one process).
    public static func bootstrapJSON(service: String, level: Logger.Level) {
        let shouldBootstrap = Self.bootstrapped.withLockedValue { done in
            defer { done = true }
            return !done
        }
        guard shouldBootstrap else { return }
        LoggingSystem.bootstrap { label in
            JSONLogHandler(label: label, service: service, level: level)
        }
    }
}
