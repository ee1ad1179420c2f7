import Foundation

/// A setting that could not be used. Start-up stops with `description` as its one line, which names
/// the variable so an operator knows what to fix.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public var variable: String
    public var reason: String

    public init(variable: String, reason: String) {
        self.variable = variable
        self.reason = reason
    }

    public var description: String { "configuration error: \(self.variable) \(self.reason)" }
}

/// Typed reads of environment variables, each with a documented default. Reading from a dictionary
/// (rather than the process environment directly) lets tests pass their own.
public struct EnvironmentReader: Sendable {
    public let values: [String: String]

    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    public func string(_ name: String, default defaultValue: String) -> String {
        self.optionalString(name) ?? defaultValue
    }

    public func optionalString(_ name: String) -> String? {
        guard let raw = self.values[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        return raw
    }

    public func integer(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) throws -> Int {
        guard let raw = self.optionalString(name) else { return defaultValue }
        guard let value = Int(raw) else {
            throw ConfigurationError(variable: name, reason: "must be a whole number, got \"\(raw)\"")
        }
        guard range.contains(value) else {
            throw ConfigurationError(
                variable: name,
                reason: "must be between \(range.lowerBound) and \(range.upperBound), got \(value)"
            )
        }
        return value
    }

    public func port(_ name: String, default defaultValue: Int) throws -> Int {
        try self.integer(name, default: defaultValue, range: 1...65535)
    }

    public func duration(_ name: String, defaultMilliseconds: Int, range: ClosedRange<Int>) throws -> Duration {
        .milliseconds(try self.integer(name, default: defaultMilliseconds, range: range))
    }

    public func boolean(_ name: String, default defaultValue: Bool) throws -> Bool {
        guard let raw = self.optionalString(name)?.lowercased() else { return defaultValue }
        switch raw {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(variable: name, reason: "must be true or false, got \"\(raw)\"")
        }
    }

    public func url(_ name: String, default defaultValue: String?) throws -> URL? {
        guard let raw = self.optionalString(name) ?? defaultValue else { return nil }
        guard let url = URL(string: raw), let scheme = url.scheme, ["http", "https"].contains(scheme),
            url.host != nil
        else {
            throw ConfigurationError(variable: name, reason: "must be an http(s) URL, got \"\(raw)\"")
        }
        return url
    }
}
