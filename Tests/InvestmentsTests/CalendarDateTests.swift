import Foundation
import Models
import Testing

@testable import InvestmentsService

@Suite struct CalendarDateTests {
    @Test(arguments: [
        ("2019-01-01", 179, "2019-06-29"),
        ("2026-08-01", 179, "2027-01-27"),
        ("2026-07-06", 179, "2027-01-01"),
        ("2024-02-28", 1, "2024-02-29"),
        ("2023-02-28", 1, "2023-03-01"),
        ("1970-01-01", -1, "1969-12-31"),
        ("2000-02-28", 366, "2001-02-28"),
    ])
    func addingDays(start: String, days: Int, expected: String) {
        #expect(day(start).adding(days: days).description == expected)
    }

    @Test(arguments: [
        ("2019-06-30", "2026-12-31", 7),
        ("2020-06-30", "2026-12-31", 6),
        ("2021-12-31", "2026-12-31", 5),
        ("2022-01-01", "2026-12-31", 4),
        ("2027-03-15", "2032-03-14", 4),
        ("2027-03-15", "2032-03-15", 5),
        ("2024-02-29", "2025-02-28", 0),
        ("2024-02-29", "2025-03-01", 1),
    ])
    func wholeYearsCountAnniversaries(from: String, to: String, years: Int) {
        #expect(day(from).wholeYears(until: day(to)) == years)
    }

    @Test func fifthAnniversaryOfALeapDayIsTheLastDayOfFebruary() {
        #expect(day("2028-02-29").adding(years: 5) == day("2033-02-28"))
        #expect(day("2027-03-15").adding(years: 5) == day("2032-03-15"))
    }

    @Test(arguments: [
        "2019-6-30", "2019-06-31", "2019-13-01", "19-06-30", "2019-06-30T00:00:00Z", "２０１９-06-30", "", "2019/06/30",
    ])
    func refusesAnythingButAValidYYYYMMDD(text: String) {
        #expect(CalendarDate(text) == nil)
    }

    @Test func dayNumbersRoundTripAcrossFourHundredYears() {
        let start = day("1900-01-01").dayNumber
        for number in stride(from: start, to: start + 146_097, by: 1) {
            let date = CalendarDate(dayNumber: number)
            guard date.dayNumber == number, CalendarDate(date.description) == date else {
                Issue.record("day \(number) → \(date) does not round-trip")
                return
            }
        }
    }

    @Test func codesAsADateString() throws {
        let data = try JSONEncoder().encode([day("2026-12-31")])
        #expect(String(decoding: data, as: UTF8.self) == #"["2026-12-31"]"#)
        #expect(try JSONDecoder().decode([CalendarDate].self, from: data) == [day("2026-12-31")])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([CalendarDate].self, from: Data(#"["2026-02-30"]"#.utf8)) }
    }
}
