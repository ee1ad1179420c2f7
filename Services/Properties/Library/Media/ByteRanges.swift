import Foundation
import ServiceKit

/// What a download answers given its conditional and range headers (RFC 9110 §13–14), decided
/// without I/O so it is tested alone.
enum DownloadPlan: Equatable {
    /// 200 with the whole object.
    case whole
    /// 206 with these inclusive offsets.
    case partial(ClosedRange<Int>)
    /// 304: the client's copy (its `If-None-Match`) is current.
    case notModified
    /// 416: no byte of the range exists.
    case unsatisfiable

    /// - Parameters:
    ///   - etag: the object's strong entity tag, quoted (`"<sha256>"`).
    ///   - size: the object's length in bytes (more than 0).
    static func make(size: Int, etag: String, ifNoneMatch: String?, range: String?, ifRange: String?) -> DownloadPlan {
        if let ifNoneMatch, EntityTags.ifNoneMatch(ifNoneMatch, matches: etag) { return .notModified }
        guard let range else { return .whole }
        // A range is only for the representation the client has; after a change send it whole.
        if let ifRange, ifRange.trimmingCharacters(in: .whitespaces) != etag { return .whole }
        switch ByteRange(header: range) {
        case nil: return .whole  // unparseable or several ranges: RFC 9110 lets us ignore Range
        case let byteRange?:
            guard let offsets = byteRange.offsets(in: size) else { return .unsatisfiable }
            return offsets == 0...(size - 1) ? .whole : .partial(offsets)
        }
    }
}

/// One `Range: bytes=…` specifier: `a-b`, `a-` or the suffix `-n`.
struct ByteRange: Equatable {
    var first: Int?
    var last: Int?

    /// `nil` for anything but a single well-formed bytes range.
    init?(header: String) {
        let header = header.trimmingCharacters(in: .whitespaces)
        guard header.lowercased().hasPrefix("bytes=") else { return nil }
        let spec = header.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let firstText = spec[..<dash]
        let lastText = spec[spec.index(after: dash)...]
        guard firstText.allSatisfy(\.isASCIIDigit), lastText.allSatisfy(\.isASCIIDigit), !(firstText.isEmpty && lastText.isEmpty),
            firstText.count <= 18, lastText.count <= 18
        else { return nil }
        self.first = firstText.isEmpty ? nil : Int(firstText)
        self.last = lastText.isEmpty ? nil : Int(lastText)
        if let first = self.first, let last = self.last, last < first { return nil }
    }

    /// The inclusive offsets this range selects in an object of `size` bytes; `nil` when it
    /// selects none (416).
    func offsets(in size: Int) -> ClosedRange<Int>? {
        switch (self.first, self.last) {
        case (let first?, let last):
            guard first < size else { return nil }
            return first...min(last ?? (size - 1), size - 1)
        case (nil, let suffix?):
            guard suffix > 0 else { return nil }
            return max(0, size - suffix)...(size - 1)
        case (nil, nil):
            return nil
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { self.isASCII && self.isNumber }
}
