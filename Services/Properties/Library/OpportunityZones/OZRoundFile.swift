import Foundation

/// A designation round's list of tracts as `properties import-oz-round` reads it: CSV (RFC 4180:
/// commas, double-quoted fields, CRLF or LF, an optional UTF-8 byte-order mark as Excel writes
/// it) with the header `geoid,state,county,tract_type`, one tract a line. Treasury publishes its
/// lists as XLSX or CSV; save the sheet as CSV and name the four columns so. Pure: every rule is
/// checked before anything is loaded, and the first broken line stops the import.
///
/// - `geoid`: the 11-digit census tract GEOID (2 state, 3 county, 6 tract digits).
/// - `state`: the state or territory of the GEOID's first two digits, as its name (`Alabama`),
///   USPS code (`AL`) or FIPS code (`01`).
/// - `county`: the county's name (`Autauga`) or FIPS code (`001`, or `01001` with the state); a
///   county's five-digit GEOID prefix carries one name throughout the file.
/// - `tract_type`: `Low-Income Community` or `Non-LIC Contiguous` (§1400Z-1(c), (e)).
struct OZRoundFile: Sendable, Equatable {
    static let header = ["geoid", "state", "county", "tract_type"]
    /// The types `properties.oz_tracts` admits (migration 0001).
    static let tractTypes: Set<String> = ["Low-Income Community", "Non-LIC Contiguous"]
    /// How the CDFI Fund's 2018 list spells the U.S. Virgin Islands.
    static let stateAliases: [String: String] = ["virgin islands": "78"]

    struct Tract: Sendable, Equatable {
        let geoid: TractGEOID
        /// The state's name as `TractGEOID` spells it, whatever the file used.
        let state: String
        let county: String
        let tractType: String
        let line: Int
    }

    let tracts: [Tract]

    /// Tracts per state name, for the import's report.
    var countsByState: [(state: String, tracts: Int)] {
        Dictionary(grouping: self.tracts, by: \.state).map { ($0.key, $0.value.count) }.sorted { $0.state < $1.state }
    }

    init(csv text: String) throws(OZRoundFileError) {
        guard !text.unicodeScalars.contains("\u{0}") else { throw OZRoundFileError(line: nil, "the file contains a NUL character") }
        let records = try CSVRecords.parse(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
        guard let header = records.first else {
            throw OZRoundFileError(line: nil, "the file is empty; its first line must be \(Self.header.joined(separator: ","))")
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard names == Self.header else {
            throw OZRoundFileError(
                line: header.line, "the header must be \(Self.header.joined(separator: ",")) (got \(names.joined(separator: ",")))")
        }
        var tracts: [Tract] = []
        var seen: [String: Int] = [:]
        var countyNames: [String: (name: String, line: Int)] = [:]
        for record in records.dropFirst() {
            if record.fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }  // a trailing blank line
            guard record.fields.count == Self.header.count else {
                throw OZRoundFileError(line: record.line, "has \(record.fields.count) fields, not \(Self.header.count)")
            }
            let fields = record.fields.map { $0.trimmingCharacters(in: .whitespaces) }
            let tract = try Self.tract(fields, line: record.line)
            if let first = seen[tract.geoid.value] {
                throw OZRoundFileError(line: record.line, "tract \(tract.geoid) is listed twice (first on line \(first))")
            }
            seen[tract.geoid.value] = record.line
            if !tract.county.allSatisfy(\.isNumber) {
                if let known = countyNames[tract.geoid.countyFIPS], known.name != tract.county {
                    throw OZRoundFileError(
                        line: record.line,
                        "county \"\(tract.county)\" for county FIPS \(tract.geoid.countyFIPS), which line \(known.line) calls \"\(known.name)\""
                    )
                }
                countyNames[tract.geoid.countyFIPS] = countyNames[tract.geoid.countyFIPS] ?? (tract.county, record.line)
            }
            tracts.append(tract)
        }
        guard !tracts.isEmpty else { throw OZRoundFileError(line: nil, "the file lists no tracts") }
        self.tracts = tracts
    }

    private static func tract(_ fields: [String], line: Int) throws(OZRoundFileError) -> Tract {
        let (geoidText, stateText, county, tractType) = (fields[0], fields[1], fields[2], fields[3])
        guard let geoid = TractGEOID(geoidText) else {
            throw OZRoundFileError(line: line, "geoid \"\(geoidText)\" is not an 11-digit census tract GEOID of a US state or territory")
        }
        let lowered = stateText.lowercased()
        let stateFIPS =
            Self.stateAliases[lowered]
            ?? TractGEOID.stateNames.first { $0.value.lowercased() == lowered }?.key
            ?? TractGEOID.uspsCodes.first { $0.value.lowercased() == lowered }?.key
            ?? (TractGEOID.stateNames[stateText] != nil ? stateText : nil)
        guard let stateFIPS else {
            throw OZRoundFileError(line: line, "state \"\(stateText)\" is not a state or territory name, USPS code or FIPS code")
        }
        guard stateFIPS == geoid.stateFIPS else {
            throw OZRoundFileError(
                line: line, "state \"\(stateText)\" does not match geoid \(geoid), which is in \(geoid.stateName) (FIPS \(geoid.stateFIPS))")
        }
        guard !county.isEmpty, county.count <= 100 else {
            throw OZRoundFileError(line: line, "county must be a name or FIPS code of at most 100 characters")
        }
        if county.allSatisfy(\.isNumber) {
            let expected = county.count == 5 ? geoid.countyFIPS : String(geoid.countyFIPS.suffix(3))
            guard county.count == 3 || county.count == 5, county == expected else {
                throw OZRoundFileError(line: line, "county code \(county) does not match geoid \(geoid), whose county is \(geoid.countyFIPS)")
            }
        }
        guard Self.tractTypes.contains(tractType) else {
            throw OZRoundFileError(line: line, "tract_type \"\(tractType)\" is not one of \(Self.tractTypes.sorted().joined(separator: ", "))")
        }
        return Tract(geoid: geoid, state: geoid.stateName, county: county, tractType: tractType, line: line)
    }
}

/// Why a round's file was refused, with the line (1 is the header) when one is to blame.
struct OZRoundFileError: Error, Equatable, CustomStringConvertible {
    let line: Int?
    let problem: String

    init(line: Int?, _ problem: String) {
        self.line = line
        self.problem = problem
    }

    var description: String { self.line.map { "line \($0): \(self.problem)" } ?? self.problem }
}

/// RFC 4180 records with the line each begins on (a quoted field may span lines).
enum CSVRecords {
    struct Record: Sendable, Equatable {
        let line: Int
        let fields: [String]
    }

    static func parse(_ text: String) throws(OZRoundFileError) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var recordLine = 1
        var quoted = false
        var wasQuoted = false
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func endRecord() {
            fields.append(field)
            records.append(Record(line: recordLine, fields: fields))
            fields = []
            field = ""
            wasQuoted = false
        }
        while let scalar = pending ?? scalars.next() {
            pending = nil
            if quoted {
                if scalar == "\"" {
                    let next = scalars.next()
                    if next == "\"" {
                        field.unicodeScalars.append("\"")
                    } else {
                        quoted = false
                        pending = next
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"":
                guard field.trimmingCharacters(in: .whitespaces).isEmpty, !wasQuoted else {
                    throw OZRoundFileError(line: line, "a quote inside an unquoted field (RFC 4180 quotes the whole field and doubles inner quotes)")
                }
                field = ""
                quoted = true
                wasQuoted = true
            case ",":
                fields.append(field)
                field = ""
                wasQuoted = false
            case "\r":
                let next = scalars.next()
                if next != "\n" { pending = next }
                endRecord()
                line += 1
                recordLine = line
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            default:
                if wasQuoted, !scalar.properties.isWhitespace {
                    throw OZRoundFileError(line: line, "text after a closing quote")
                }
                field.unicodeScalars.append(scalar)
            }
        }
        if quoted { throw OZRoundFileError(line: recordLine, "a quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return records
    }
}
