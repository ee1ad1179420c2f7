import Logging
import Models
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

/// `Money` reads and writes Postgres's binary `numeric` itself (issue 19): checked against
/// Postgres's own reading and printing of the same values.
@Suite struct MoneyNumericTests {
    static let logger = Logger(label: "test.money")

    static let amounts: [Money] = [
        .zero, Money(cents: 1), Money(cents: 5), Money(cents: 99), Money(cents: 100), Money(cents: 1_000_000), Money(cents: 123_456_789),
        Money(cents: -1), Money(cents: -250_000_50), Money(cents: 10_000_00), Money(cents: 100_000_000_00), Money.maximum,
        Money(cents: -Money.maximum.cents),
    ]

    @Test func amountsBoundAsNumericArriveExactly() async throws {
        try await TestDatabase.withAdmin(database: "postgres") { postgres in
            for amount in Self.amounts {
                let rows = try await postgres.query(
                    "SELECT \(amount)::numeric(15,2)::text, \(amount) = \(amount.description)::numeric", logger: Self.logger)
                for try await (text, equal) in rows.decode((String, Bool).self) {
                    #expect(text == amount.description)
                    #expect(equal)
                }
            }
        }
    }

    @Test func numericsReadAsCentsRoundingHalfACentAwayFromZero() async throws {
        let cases: [(String, Int64)] = [
            ("0", 0), ("0.00", 0), ("12.3", 1230), ("250000.50", 25_000_050), ("10000", 1_000_000), ("100000000.01", 10_000_000_001),
            ("0.005", 1), ("0.00499999", 0), ("-0.005", -1), ("2.345", 235), ("-2.344", -234), ("0.00000001", 0),
            ("9999999999999.99", Money.maximum.cents), ("1e3", 100_000),
        ]
        try await TestDatabase.withAdmin(database: "postgres") { postgres in
            for (literal, cents) in cases {
                let rows = try await postgres.query("SELECT \(literal)::numeric", logger: Self.logger)
                for try await amount in rows.decode(Money.self) {
                    #expect(amount == Money(cents: cents), "\(literal)")
                }
            }
        }
    }

    @Test func numericsMoneyCannotHoldAreRefused() async throws {
        try await TestDatabase.withAdmin(database: "postgres") { postgres in
            for literal in ["'NaN'", "'Infinity'", "10000000000000", "-123456789012345678901234567890"] {
                await #expect(throws: (any Error).self, "\(literal)") {
                    let rows = try await postgres.query(PostgresQuery(unsafeSQL: "SELECT \(literal)::numeric"), logger: Self.logger)
                    for try await _ in rows.decode(Money.self) {}
                }
            }
        }
    }
}
