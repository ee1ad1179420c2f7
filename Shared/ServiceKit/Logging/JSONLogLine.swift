import Logging
import Models

/// The bytes of one log line, built directly: what `JSONEncoder` with sorted keys and unescaped
/// slashes made of the line's `[String: JSONValue]`, byte for byte, without the dictionary, the
/// encoder and the timestamp's string pieces that made it the largest cost of a request (issue 19).
///
/// Fields are the fixed ones (`ts`, `level`, `service`, `logger`, `message`), then the metadata
/// (later ones replace earlier ones of the same name, as in a dictionary), then `error`; written in
/// key order.
struct JSONLogLine {
    private var fields: [(key: String, value: Logger.Metadata.Value)] = []

    init(timestamp microsecondsSince1970: Int64, level: Logger.Level, service: String, logger: String, message: String) {
        self.fields.reserveCapacity(12)
        self.fields.append(("ts", .string(Self.rfc3339(microsecondsSince1970))))
        self.fields.append(("level", .string(level.rawValue)))
        self.fields.append(("service", .string(service)))
        self.fields.append(("logger", .string(logger)))
        self.fields.append(("message", .string(message)))
    }

    /// Sets a field, replacing one of the same name.
    mutating func set(_ key: String, _ value: Logger.Metadata.Value) {
        if let index = self.fields.firstIndex(where: { $0.key == key }) {
            self.fields[index].value = value
        } else {
            self.fields.append((key, value))
        }
    }

    /// The line: one JSON object and a newline, appended to `bytes`.
    func write(into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "{"))
        for (index, field) in self.fields.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            Self.write(string: field.key, into: &bytes)
            bytes.append(UInt8(ascii: ":"))
            Self.write(field.value, into: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
        bytes.append(0x0A)
    }

    private static func write(_ value: Logger.Metadata.Value, into bytes: inout [UInt8]) {
        switch value {
        case .string(let text):
            Self.write(string: text, into: &bytes)
        case .stringConvertible(let convertible):
            Self.write(string: convertible.description, into: &bytes)
        case .array(let values):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                Self.write(element, into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .dictionary(let dictionary):
            bytes.append(UInt8(ascii: "{"))
            for (index, entry) in dictionary.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                Self.write(string: entry.key, into: &bytes)
                bytes.append(UInt8(ascii: ":"))
                Self.write(entry.value, into: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A JSON string escaped as Foundation's encoder escapes it: `"` and `\`, the short forms of
    /// backspace, tab, newline, form feed and carriage return, `\u00xx` for the other control
    /// characters, everything else (slashes, DEL, non-ASCII) as it is.
    static func write(string text: String, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            case UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            case 0x08:
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "b"))
            case 0x09:
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "t"))
            case 0x0A:
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "n"))
            case 0x0C:
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "f"))
            case 0x0D:
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "r"))
            case 0x00..<0x20:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `RFC3339.string(from:)` (UTC, microseconds), without its intermediate strings.
    static func rfc3339(_ micros: Int64) -> String {
        let remainder = micros % 86_400_000_000
        let (days, microOfDay) =
            remainder < 0 ? (micros / 86_400_000_000 - 1, remainder + 86_400_000_000) : (micros / 86_400_000_000, remainder)
        let (year, month, day) = CivilDate.fromDays(days)
        let seconds = microOfDay / 1_000_000
        var bytes: [UInt8] = []
        bytes.reserveCapacity(27)
        // Zero-padded to `width`; a wider value (a year past 9999) keeps all its digits.
        func digits(_ value: Int64, _ width: Int) {
            var count = 1
            var limit: Int64 = 10
            while limit <= value {
                count += 1
                limit *= 10
            }
            bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(width, count)))
            var rest = value
            var index = bytes.count - 1
            while rest > 0 {
                bytes[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                index -= 1
            }
        }
        digits(year, 4)
        bytes.append(UInt8(ascii: "-"))
        digits(month, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(day, 2)
        bytes.append(UInt8(ascii: "T"))
        digits(seconds / 3600, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(seconds / 60 % 60, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(seconds % 60, 2)
        bytes.append(UInt8(ascii: "."))
        digits(microOfDay % 1_000_000, 6)
        bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
    }
}
