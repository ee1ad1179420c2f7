import Foundation

/// Entity-tag comparisons for conditional requests (RFC 9110 §8.8.3, §13.1.2), shared by every
/// route that serves a representation with an `ETag`.
public enum EntityTags {
    /// Whether `If-None-Match` (`header`) matches `etag`: `*`, or any of a comma-separated list of
    /// tags compared weakly, as §13.1.2 asks (a `W/` prefix is ignored). `etag` is quoted.
    public static func ifNoneMatch(_ header: String, matches etag: String) -> Bool {
        let candidates = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return candidates.contains { candidate in
            candidate == "*" || candidate == etag || (candidate.hasPrefix("W/") && String(candidate.dropFirst(2)) == etag)
        }
    }
}
