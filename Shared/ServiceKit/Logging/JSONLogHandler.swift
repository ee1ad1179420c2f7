import Foundation
import Logging
import Models
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
        var fields: [String: JSONValue] = [
            "ts": .string(RFC3339.string(from: Date())),
            "level": .string(level.rawValue),
            "service": .string(self.service),
            "logger": .string(self.label),
            "message": .string(message.description),
        ]
        let provided = self.metadataProvider?.get() ?? [:]
        let merged = provided.merging(self.metadata) { _, own in own }.merging(explicitMetadata ?? [:]) { _, explicit in explicit }
        for (key, value) in merged {
            fields[Self.fieldName(key)] = Self.json(value)
        }
        if let error { fields["error"] = .string(String(reflecting: error)) }
        Self.write(JSONValue.object(fields))
    }

    /// Hummingbird names its keys `hb.request.id`; logs use the suite's snake_case names.
    static func fieldName(_ key: String) -> String {
        switch key {
        case "hb.request.id": "request_id"
        default: key.replacingOccurrences(of: ".", with: "_")
        }
    }

    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let values): .array(values.map(Self.json))
        case .dictionary(let dictionary): .object(dictionary.mapValues(Self.json))
        }
    }

    private static let outputLock = NIOLock()

    private static func write(_ value: JSONValue) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var data = try? encoder.encode(value) else { return }
        data.append(0x0A)
        Self.outputLock.withLock {
            FileHandle.standardOutput.write(data)
        }
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
