import Foundation
import Models
import NIOCore
import PostgresNIO

/// `Money` binds and reads as `numeric` through Foundation's `Decimal`, going by way of the
/// decimal string so no binary float ever touches an amount.
extension Money: PostgresEncodable, PostgresNonThrowingEncodable, PostgresDecodable {
    public static var psqlType: PostgresDataType { Decimal.psqlType }
    public static var psqlFormat: PostgresFormat { Decimal.psqlFormat }

    public func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        Decimal(string: self.description, locale: Locale(identifier: "en_US_POSIX"))!.encode(into: &byteBuffer, context: context)
    }

    public init<JSONDecoder: PostgresJSONDecoder>(
        from byteBuffer: inout ByteBuffer,
        type: PostgresDataType,
        format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        let decimal = try Decimal(from: &byteBuffer, type: type, format: format, context: context)
        var rounded = Decimal()
        var exact = decimal
        NSDecimalRound(&rounded, &exact, 2, .plain)
        guard let money = Money(NSDecimalNumber(decimal: rounded).stringValue) else {
            throw PostgresDecodingError.Code.failure
        }
        self = money
    }
}
