import Models
import Testing

/// The designation windows (Shared/Models `OZDesignationRound`, `OZDesignation`) alone: which rounds
/// are in force on a day, which have not started and which have ended. The acceptance table of
/// issue 23, by the law's dates: 2018 designations through 2028-12-31 (§1400Z-1(f)), the 2027 round
/// 2027-01-01 through 2036-12-31 (Pub. L. 119-21 §70421).
@Suite struct OZDesignationTests {
    static func day(_ text: String) -> CalendarDate { CalendarDate(text)! }

    @Test(arguments: [
        // A tract designated in 2018 only.
        ([2018], "2026-12-31", [2018], [Int](), [Int]()),
        ([2018], "2028-12-31", [2018], [], []),
        ([2018], "2029-01-01", [], [], [2018]),
        // A tract in the 2027 round only.
        ([2027], "2026-12-31", [], [2027], []),
        ([2027], "2027-01-01", [2027], [], []),
        ([2027], "2036-12-31", [2027], [], []),
        ([2027], "2037-01-01", [], [], [2027]),
        // In both: two rounds in force in 2027 and 2028, newest first.
        ([2018, 2027], "2027-06-30", [2027, 2018], [], []),
        ([2018, 2027], "2026-12-31", [2018], [2027], []),
        ([2027, 2018], "2029-01-01", [2027], [], [2018]),
        // Before the first certification (2018-04-09) the 2018 round had not begun.
        ([2018], "2018-04-08", [], [2018], []),
        ([Int](), "2027-01-01", [], [], []),
    ])
    func roundsStandOnADay(listed: [Int], on text: String, inForce: [Int], upcoming: [Int], ended: [Int]) {
        let rounds = listed.map { $0 == 2018 ? OZDesignationRound.tcja2018 : OZDesignationRound.obbba2027 }
        let designation = OZDesignation(rounds, on: Self.day(text))
        #expect(designation.inForce.map(\.round) == inForce)
        #expect(designation.upcoming.map(\.round) == upcoming)
        #expect(designation.ended.map(\.round) == ended)
        #expect(designation.designated == !inForce.isEmpty)
        #expect(designation.asOf == Self.day(text))
    }

    @Test func notesSayWhenADesignationStartsOrEnded() {
        #expect(OZDesignationRound.obbba2027.note(on: Self.day("2026-12-31")) == "designated from 2027-01-01")
        #expect(OZDesignationRound.tcja2018.note(on: Self.day("2029-01-01")) == "designation ended 2028-12-31")
        #expect(OZDesignationRound.tcja2018.note(on: Self.day("2028-12-31")) == nil)
    }

    @Test func decennialRoundsFollowTheStatute() {
        let first = OZDesignationRound.decennial(startingIn: 2027)
        #expect(first == OZDesignationRound.obbba2027)
        #expect(first?.startsOn == Self.day("2027-01-01"))
        #expect(first?.endsOn == Self.day("2036-12-31"))
        let second = OZDesignationRound.decennial(startingIn: 2037)
        #expect(second?.startsOn == Self.day("2037-01-01"))
        #expect(second?.endsOn == Self.day("2046-12-31"))
        // Rounds follow decennial determination dates only (2026, 2036, ...).
        #expect(OZDesignationRound.decennial(startingIn: 2030) == nil)
        #expect(OZDesignationRound.decennial(startingIn: 2017) == nil)
    }
}
