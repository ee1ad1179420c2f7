/// A designation round of Qualified Opportunity Zones (26 U.S.C. §1400Z-1) and the days it is in
/// force, both ends included. Pure: the one place that answers "was, is or will this tract be an
/// Opportunity Zone on day D" for the OZ check (properties), the tax estimate (investments) and the
/// compliance rules to come. Which tracts a round covers is data (`properties.oz_tracts`); the
/// windows below are the law, and migration 0011 seeds `properties.oz_designation_rounds` with the
/// same dates (a test holds the two together).
public struct OZDesignationRound: Sendable, Hashable {
    /// The year the round's list is known by: 2018 for the TCJA designations, 2027 for the first
    /// decennial round.
    public let round: Int
    public let startsOn: CalendarDate
    public let endsOn: CalendarDate

    public init(round: Int, startsOn: CalendarDate, endsOn: CalendarDate) {
        self.round = round
        self.startsOn = startsOn
        self.endsOn = endsOn
    }

    /// TCJA (Pub. L. 115-97 §13823), 26 U.S.C. §1400Z-1(f): a designation stays in force from the
    /// day of designation to the close of the 10th calendar year beginning on or after that day;
    /// every 2018 designation therefore ends on 2028-12-31 (2019 is the first calendar year to begin
    /// after a 2018 designation). Treasury
    /// certified the states' nominations from 2018-04-09 (the first states) to 2018-06-14 (the
    /// last), all listed in IRS Notice 2018-48; the round holds one window, so it opens on the first
    /// of those days. A tract of a state certified later reads as designated a few weeks early in
    /// spring 2018, which no investment made under the round can have depended on.
    public static let tcja2018 = OZDesignationRound(
        round: 2018,
        startsOn: CalendarDate(year: 2018, month: 4, day: 9)!,
        endsOn: CalendarDate(year: 2028, month: 12, day: 31)!
    )

    /// Pub. L. 119-21 §70421, §1400Z-1 as amended: rolling decennial rounds. Tracts are nominated
    /// after each decennial determination date (1 July 2026, then every 10 years), and a round's
    /// designations take effect on 1 January of the next year and stay in effect for 10 years.
    public static func decennial(startingIn year: Int) -> OZDesignationRound? {
        guard year >= 2027, (year - 2027) % 10 == 0,
            let starts = CalendarDate(year: year, month: 1, day: 1),
            let ends = CalendarDate(year: year + 9, month: 12, day: 31)
        else { return nil }
        return OZDesignationRound(round: year, startsOn: starts, endsOn: ends)
    }

    /// The first decennial round: 2027-01-01 through 2036-12-31 (Pub. L. 119-21 §70421).
    public static let obbba2027 = OZDesignationRound.decennial(startingIn: 2027)!

    /// Where a round stands on a given day.
    public enum Standing: String, Sendable, Hashable {
        /// The designation has not taken effect yet ("designated from 2027-01-01").
        case upcoming
        case inForce = "in_force"
        /// The designation has lapsed ("designation ended 2028-12-31").
        case ended
    }

    /// Both ends count: a 2018 tract is still a zone on 2028-12-31 and no longer on 2029-01-01.
    public func standing(on day: CalendarDate) -> Standing {
        if day < self.startsOn { return .upcoming }
        if day > self.endsOn { return .ended }
        return .inForce
    }

    /// What a developer reads beside a round that is not in force on the day asked about.
    public func note(on day: CalendarDate) -> String? {
        switch self.standing(on: day) {
        case .upcoming: "designated from \(self.startsOn)"
        case .ended: "designation ended \(self.endsOn)"
        case .inForce: nil
        }
    }
}

/// A tract's designations on one day: the rounds covering it sorted by where they stand, each
/// list newest round first.
public struct OZDesignation<Round: Sendable>: Sendable {
    public let asOf: CalendarDate
    public let inForce: [Round]
    public let upcoming: [Round]
    public let ended: [Round]

    /// `rounds` are the rounds whose lists include the tract, with whatever the caller keeps beside
    /// each (the tract type, the legal basis); `window` reads a round's validity window.
    public init(_ rounds: [Round], on day: CalendarDate, window: (Round) -> OZDesignationRound) {
        let sorted = rounds.sorted { window($0).round > window($1).round }
        self.asOf = day
        self.inForce = sorted.filter { window($0).standing(on: day) == .inForce }
        self.upcoming = sorted.filter { window($0).standing(on: day) == .upcoming }
        self.ended = sorted.filter { window($0).standing(on: day) == .ended }
    }

    /// §1400Z-1: the tract is a Qualified Opportunity Zone on the day when at least one round that
    /// lists it is in force (in 2027 and 2028 a tract may be in both the 2018 and the 2027 round).
    public var designated: Bool { !self.inForce.isEmpty }
}

extension OZDesignation where Round == OZDesignationRound {
    public init(_ rounds: [OZDesignationRound], on day: CalendarDate) {
        self.init(rounds, on: day, window: { $0 })
    }
}
