import Foundation

// The shapes of analytics' reports: what the staff JSON endpoints answer, what the CSV export
// flattens and what the dashboard draws. `AnalyticsReports` computes them.

/// A half-open range of days [from, to) in UTC, the period every report is asked for.
public struct DayRange: Sendable, Equatable {
    public var from: Date
    public var to: Date

    public init(from: Date, to: Date) {
        self.from = from
        self.to = to
    }
}

public struct DailyCount: Codable, Sendable, Equatable {
    /// `yyyy-MM-dd` (UTC).
    public var day: String
    public var count: Int

    public init(day: String, count: Int) {
        self.day = day
        self.count = count
    }
}

/// A property filter on a funnel step's events: `properties ->> key = value`.
public struct PropertyFilter: Codable, Sendable, Equatable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

public struct FunnelRequest: Sendable, Equatable {
    /// 2–10 event names, in order.
    public var steps: [String]
    /// How long after the first step the last may come.
    public var windowSeconds: Int
    public var range: DayRange
    public var filters: [PropertyFilter]
    /// A property of the first step's event to break the funnel down by.
    public var breakdown: String?

    public init(steps: [String], windowSeconds: Int, range: DayRange, filters: [PropertyFilter] = [], breakdown: String? = nil) {
        self.steps = steps
        self.windowSeconds = windowSeconds
        self.range = range
        self.filters = filters
        self.breakdown = breakdown
    }
}

public struct FunnelStep: Codable, Sendable, Equatable {
    public var name: String
    /// Actors who reached this step within the window, in order.
    public var actors: Int
    /// actors / the previous step's actors (1 for the first step; 0 when the previous had none).
    public var conversionFromPrevious: Double
    /// actors / the first step's actors.
    public var conversionFromFirst: Double
    /// The previous step's actors who did not reach this one (0 for the first step).
    public var dropOff: Int

    public init(name: String, actors: Int, conversionFromPrevious: Double, conversionFromFirst: Double, dropOff: Int) {
        self.name = name
        self.actors = actors
        self.conversionFromPrevious = conversionFromPrevious
        self.conversionFromFirst = conversionFromFirst
        self.dropOff = dropOff
    }
}

public struct FunnelReport: Codable, Sendable, Equatable {
    public var steps: [FunnelStep]
    /// One funnel per value of the breakdown property (absent without a breakdown).
    public var breakdown: [FunnelBreakdown]?

    public init(steps: [FunnelStep], breakdown: [FunnelBreakdown]? = nil) {
        self.steps = steps
        self.breakdown = breakdown
    }
}

public struct FunnelBreakdown: Codable, Sendable, Equatable {
    /// The property's value (`null` when the first step's event did not have it).
    public var value: String?
    public var steps: [FunnelStep]

    public init(value: String?, steps: [FunnelStep]) {
        self.value = value
        self.steps = steps
    }
}

public enum RetentionPeriod: String, Codable, Sendable, CaseIterable {
    case day, week, month
}

public struct RetentionRequest: Sendable, Equatable {
    public var period: RetentionPeriod
    /// Cohorts whose first-seen period starts in this range.
    public var range: DayRange
    /// How many periods after the first to report (period 0 is the cohort's own).
    public var periods: Int

    public init(period: RetentionPeriod, range: DayRange, periods: Int) {
        self.period = period
        self.range = range
        self.periods = periods
    }
}

public struct RetentionCohort: Codable, Sendable, Equatable {
    /// The cohort's first period's start, `yyyy-MM-dd`.
    public var start: String
    /// Actors first seen in that period.
    public var size: Int
    /// retained[k]: of those, how many were active in period k (retained[0] == size).
    public var retained: [Int]

    public init(start: String, size: Int, retained: [Int]) {
        self.start = start
        self.size = size
        self.retained = retained
    }
}

public struct RetentionReport: Codable, Sendable, Equatable {
    public var period: RetentionPeriod
    public var cohorts: [RetentionCohort]

    public init(period: RetentionPeriod, cohorts: [RetentionCohort]) {
        self.period = period
        self.cohorts = cohorts
    }
}

/// Seed 003 `metrics_daily`: one day's numbers, kept by the rollup.
public struct DailyMetrics: Codable, Sendable, Equatable {
    public var day: String
    /// Distinct signed-in users with any event that day.
    public var activeUsers: Int
    /// Distinct actors (signed-in or anonymous) with any event that day.
    public var visitors: Int
    public var signUps: Int
    /// Sign-ups by first-auth source (seed 000 entry point), `unknown` when none was given.
    public var signUpsBySource: [String: Int]
    /// Of the users who signed up that day, the share activated (see README) within 7 days; nil until known.
    public var activationRate: Double?
    /// Of the users active 7 days before, the share active again on this day's week; nil without a base.
    public var retentionRate: Double?

    public init(
        day: String, activeUsers: Int, visitors: Int, signUps: Int, signUpsBySource: [String: Int],
        activationRate: Double?, retentionRate: Double?
    ) {
        self.day = day
        self.activeUsers = activeUsers
        self.visitors = visitors
        self.signUps = signUps
        self.signUpsBySource = signUpsBySource
        self.activationRate = activationRate
        self.retentionRate = retentionRate
    }
}

public struct SourceCount: Codable, Sendable, Equatable {
    /// utm_source, else the referrer's host, else `direct`.
    public var source: String
    /// Actors whose first session in the range came from this source (first touch).
    public var visitors: Int
    /// Of those, how many signed up in the range.
    public var signUps: Int
    /// Every session in the range that came from this source.
    public var sessions: Int

    public init(source: String, visitors: Int, signUps: Int, sessions: Int = 0) {
        self.source = source
        self.visitors = visitors
        self.signUps = signUps
        self.sessions = sessions
    }
}

public struct StateCount: Codable, Sendable, Equatable {
    /// Two-letter USPS code, from the checked tract's GEOID state FIPS prefix.
    public var state: String
    public var checks: Int
    /// Of those, checks whose site was in a designated OZ.
    public var designated: Int

    public init(state: String, checks: Int, designated: Int) {
        self.state = state
        self.checks = checks
        self.designated = designated
    }
}
