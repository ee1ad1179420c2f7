import Foundation
import Models
import NIOCore
import PostgresNIO

/// `Money` binds and reads as `numeric`, written and read in Postgres's binary form straight from
/// and to integer cents: no binary float ever touches an amount. (It went by way of Foundation's
/// `Decimal` and a decimal string both ways; reading a distribution's 10,000 positions spent more
/// time there than in the query, issue 19.)
extension Money: PostgresEncodable, PostgresNonThrowingEncodable, PostgresDecodable {
    public static var psqlType: PostgresDataType { .numeric }
    public static var psqlFormat: PostgresFormat { .binary }

    public func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        NumericCents.write(self.cents, into: &byteBuffer)
    }

    public init<JSONDecoder: PostgresJSONDecoder>(
        from byteBuffer: inout ByteBuffer,
        type: PostgresDataType,
        format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        switch (format, type) {
        case (.binary, .numeric):
            guard let cents = NumericCents.read(from: &byteBuffer), cents.magnitude <= Money.maximum.cents else {
                throw PostgresDecodingError.Code.failure
            }
            self.init(cents: cents)
        case (.text, .numeric):
            // Only a simple query answers in text; its amounts go through the binary form's rounding.
            let decimal = try Decimal(from: &byteBuffer, type: type, format: format, context: context)
            var rounded = Decimal()
            var exact = decimal
            NSDecimalRound(&rounded, &exact, 2, .plain)
            guard let money = Money(NSDecimalNumber(decimal: rounded).stringValue) else { throw PostgresDecodingError.Code.failure }
            self = money
        default:
            throw PostgresDecodingError.Code.typeMismatch
        }
    }
}

/// Postgres's binary `numeric` (`numeric_send`): four 16-bit words — the count of base-10,000
/// digits, the weight of the first digit (its power of 10,000), the sign and the display scale —
/// then the digits, most significant first.
enum NumericCents {
    static let positive: UInt16 = 0x0000
    static let negative: UInt16 = 0x4000

    /// `cents` as a `numeric` with two decimals.
    static func write(_ cents: Int64, into buffer: inout ByteBuffer) {
        let magnitude = cents.magnitude
        var digits: [Int16] = []
        var dollars = magnitude / 100
        while dollars > 0 {
            digits.insert(Int16(dollars % 10_000), at: 0)
            dollars /= 10_000
        }
        let weight = Int16(digits.count) - 1
        // The cents are the first fractional digit's two leading decimals.
        digits.append(Int16(magnitude % 100) * 100)
        while digits.last == 0 { digits.removeLast() }
        buffer.writeInteger(Int16(digits.count))
        buffer.writeInteger(digits.isEmpty ? 0 : weight)
        buffer.writeInteger(cents < 0 ? Self.negative : Self.positive)
        buffer.writeInteger(UInt16(2))
        for digit in digits { buffer.writeInteger(digit) }
    }

    /// The value in cents, half a cent and more rounded away from zero; nil for NaN, infinities,
    /// malformed input and values beyond 10^16 dollars.
    static func read(from buffer: inout ByteBuffer) -> Int64? {
        guard let (count, weight, sign, _) = buffer.readMultipleIntegers(as: (Int16, Int16, UInt16, UInt16).self),
            count >= 0, sign == Self.positive || sign == Self.negative, weight < 4
        else { return nil }
        var cents: Int64 = 0
        var roundsUp = false
        for index in 0..<Int(count) {
            guard let digit = buffer.readInteger(as: Int16.self), (0..<10_000).contains(digit) else { return nil }
            let power = Int(weight) - index
            if power >= 0 {
                var value = Int64(digit) * 100
                for _ in 0..<power { value *= 10_000 }
                cents += value
            } else if power == -1 {
                cents += Int64(digit / 100)
                roundsUp = digit % 100 >= 50
            }
            // Smaller digits are worth less than a hundredth of a cent: they cannot tip the rounding.
        }
        if roundsUp { cents += 1 }
        return sign == Self.negative ? -cents : cents
    }
}
