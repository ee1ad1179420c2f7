import Foundation

/// Which investor each file of a K-1 ZIP is for (issue 22): tax software names one PDF per partner,
/// and sponsors put the investor's Tract id in the name (`K1-2025-<investor id>.pdf`). Pure.
enum K1Matching {
    struct File: Sendable, Equatable {
        var name: String
        var contents: [UInt8]
    }

    struct Match: Sendable, Equatable {
        var file: File
        var investorId: UUID
    }

    struct Unmatched: Codable, Sendable, Equatable {
        var fileName: String
        var reason: String
    }

    /// Matches by the one investor id a file's name holds. A file is reported, not delivered,
    /// when its name holds no id or several, when the id is not an investor of the offering, when
    /// another file names the same investor (which of the two is right is the sponsor's call), or
    /// when it is not a PDF.
    static func match(_ files: [File], investors: Set<UUID>) -> (matched: [Match], unmatched: [Unmatched]) {
        var candidates: [Match] = []
        var unmatched: [Unmatched] = []
        for file in files {
            let ids = Set(Self.ids(in: file.name))
            guard let id = ids.first else {
                unmatched.append(Unmatched(fileName: file.name, reason: "its name holds no investor id"))
                continue
            }
            guard ids.count == 1 else {
                unmatched.append(Unmatched(fileName: file.name, reason: "its name holds more than one investor id"))
                continue
            }
            guard investors.contains(id) else {
                unmatched.append(
                    Unmatched(fileName: file.name, reason: "\(id.uuidString.lowercased()) holds no funded position in this offering"))
                continue
            }
            guard K1File.isPDF(file.contents) else {
                unmatched.append(Unmatched(fileName: file.name, reason: "is not a PDF"))
                continue
            }
            candidates.append(Match(file: file, investorId: id))
        }
        let counts = Dictionary(grouping: candidates, by: \.investorId).mapValues(\.count)
        var matched: [Match] = []
        for candidate in candidates {
            if counts[candidate.investorId, default: 0] > 1 {
                unmatched.append(
                    Unmatched(
                        fileName: candidate.file.name,
                        reason: "another file also names investor \(candidate.investorId.uuidString.lowercased())"))
            } else {
                matched.append(candidate)
            }
        }
        return (matched, unmatched)
    }

    /// Every UUID written in `name` (any case, hyphenated).
    static func ids(in name: String) -> [UUID] {
        let characters = Array(name.utf8)
        guard characters.count >= 36 else { return [] }
        var found: [UUID] = []
        var index = 0
        while index + 36 <= characters.count {
            let slice = characters[index..<(index + 36)]
            if let id = UUID(uuidString: String(decoding: slice, as: UTF8.self)) {
                found.append(id)
                index += 36
            } else {
                index += 1
            }
        }
        return found
    }
}

/// What a K-1 file must be.
enum K1File {
    /// 10 MiB: a K-1 with its state schedules is a few hundred KiB.
    static let maxBytes = 10 << 20
    /// 30 MiB of ZIP, under the gateway's 32 MiB body limit: about a hundred K-1s of 300 KiB
    /// uncompressed. A larger offering uploads several archives; each delivers what it matches.
    static let maxArchiveBytes = 30 << 20

    /// A PDF starts with `%PDF-` (ISO 32000-1 §7.5.2).
    static func isPDF(_ bytes: [UInt8]) -> Bool { bytes.starts(with: Array("%PDF-".utf8)) }

    /// The last path component, without control characters, at most 255 characters: what the
    /// download is named.
    static func displayName(_ path: String) -> String {
        let last = path.split(separator: "/").last.map(String.init) ?? path
        let clean = String(String.UnicodeScalarView(last.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }))
        return String(clean.prefix(255)).isEmpty ? "k1.pdf" : String(clean.prefix(255))
    }
}
