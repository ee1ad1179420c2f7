import HTTPTypes
import Models

/// The paths and methods a service documents in its OpenAPI document, so that a request whose
/// path exists but whose method does not gets 405 with `Allow` (RFC 9110 §15.5.6) instead of the
/// router's 404. Built from the document, the contract a test already holds the routes to.
public struct RouteTable: Sendable {
    /// One segment of a path template: a literal, or a `{parameter}` with whatever follows it in
    /// the segment (`{id}.ics` matches `abc.ics`, not `abc`).
    private enum Segment: Sendable {
        case literal(Substring)
        case parameter(suffix: Substring)

        init(_ text: Substring) {
            if text.hasPrefix("{"), let close = text.firstIndex(of: "}") {
                self = .parameter(suffix: text[text.index(after: close)...])
            } else {
                self = .literal(text)
            }
        }

        func matches(_ segment: Substring) -> Bool {
            switch self {
            case .literal(let literal): literal == segment
            case .parameter(let suffix): segment.count > suffix.count && segment.hasSuffix(suffix)
            }
        }

        /// Literal beats a parameter with a suffix, which beats a bare parameter.
        var specificity: Int {
            switch self {
            case .literal: 2
            case .parameter(let suffix): suffix.isEmpty ? 0 : 1
            }
        }
    }

    /// Path templates split into segments.
    private let routes: [(segments: [Segment], methods: [String])]

    static let methodNames = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    public init(openAPI document: JSONValue) {
        guard case .object(let paths)? = document["paths"] else {
            self.routes = []
            return
        }
        self.routes = paths.keys.sorted().compactMap { template in
            guard case .object(let operations)? = paths[template] else { return nil }
            let methods = Self.methodNames.filter { operations[$0] != nil }.map { $0.uppercased() }
            return (Self.segments(template).map(Segment.init), methods)
        }
    }

    /// The methods allowed on `path`, or nil when no documented route has that shape.
    ///
    /// Only the most specific templates count, as in the router: at the first segment where two
    /// matching templates differ, a literal beats a `{parameter}`. So `/notifications/read` answers
    /// what `/notifications/read` documents, not also `/notifications/{id}`'s methods, which the
    /// router would never reach for that path.
    public func allowedMethods(for path: String) -> [String]? {
        let requested = Self.segments(path)
        let matching = self.routes.filter { route in
            route.segments.count == requested.count
                && zip(route.segments, requested).allSatisfy { template, segment in template.matches(segment) }
        }
        // A template's specificity: one rank per segment, compared in order.
        func specificity(_ segments: [Segment]) -> [Int] { segments.map(\.specificity) }
        guard let best = matching.map({ specificity($0.segments) }).max(by: { $0.lexicographicallyPrecedes($1) }) else { return nil }
        var allowed = Set(matching.filter { specificity($0.segments) == best }.flatMap(\.methods))
        guard !allowed.isEmpty else { return nil }
        // A GET route answers HEAD too (RFC 9110 §9.3.2).
        if allowed.contains("GET") { allowed.insert("HEAD") }
        return allowed.sorted()
    }

    private static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }
}
