import Foundation
import Models

/// `make run`'s analytics: 90 believable days for a few hundred generated visitors and the demo
/// accounts, so the dashboard shows real shapes on a fresh machine. Pure and seeded: the same
/// options and day give the same events with the same ids, so loading twice stores nothing twice
/// (`EventWriter` skips ids it has seen).
///
/// The shapes it aims for: traffic growing over the quarter with quieter weekends; search, direct,
/// LinkedIn, a newsletter, paid social and two referrers as sources; the seven seed 000 entry
/// points with `auth_initiated` metadata; roughly one visitor in four signing up; the seed 001
/// investment funnel thinning step by step; signed-up users returning more often than visitors;
/// OZ checks across a dozen states.
struct DemoAnalytics {
    struct Options: Sendable {
        var visitors = 600
        var days = 90
        var seed: UInt64 = 13
        /// Demo accounts (the investors, sponsor and admin `make run` creates): browsing history of
        /// their own, no `user.created` (auth publishes theirs).
        var demoUsers: [UUID] = []
        /// Offerings the funnel's events name; two fixed ids when none are given.
        var offerings: [UUID] = []
    }

    struct Output: Sendable {
        var events: [RecordedEvent]
        /// Generated visitors who signed up: their anonymous id is linked to their user (what
        /// `identify` records), so their earlier events count for the user.
        var identities: [(anonymousID: String, userID: UUID)]
    }

    /// Seed 001's investment funnel, the steps the generator thins out one after another.
    static let investmentSteps = ["listing_viewed", "listing_details_opened", "documents_downloaded", "investment.committed", "investment.funded"]

    static let placeholderOfferings = [
        UUID(uuidString: "01900000-0000-7000-8000-00000000a001")!, UUID(uuidString: "01900000-0000-7000-8000-00000000a002")!,
    ]

    /// Seed 000's seven entry points and how often a visitor arrives through each, with the share
    /// of them who sign up there.
    static let entryPoints: [(name: String, weight: Double, signUp: Double)] = [
        ("see_oz_listings", 30, 0.20), ("check_if_your_development_is_in_an_oz", 20, 0.36),
        ("check_how_much_tax_you_can_save", 16, 0.30), ("qualify_as_an_investor", 12, 0.42), ("see_dashboard", 8, 0.50),
        ("speak_to_the_team", 7, 0.30), ("join_our_community", 7, 0.24),
    ]

    /// (label, utm source/medium/campaign, referrer, weight, sign-up factor).
    static let sources: [(utm: RecordedEvent.UTM, referrer: String?, weight: Double, factor: Double)] = [
        (RecordedEvent.UTM(), "https://www.google.com/", 30, 1.0),
        (RecordedEvent.UTM(), nil, 21, 1.15),
        (RecordedEvent.UTM(source: "linkedin", medium: "social", campaign: "oz-investors-q3"), "https://www.linkedin.com/", 14, 0.9),
        (RecordedEvent.UTM(source: "newsletter", medium: "email", campaign: "monthly-deals"), nil, 11, 1.35),
        (RecordedEvent.UTM(source: "facebook", medium: "cpc", campaign: "capital-gains-2026"), "https://m.facebook.com/", 9, 0.65),
        (RecordedEvent.UTM(), "https://www.biggerpockets.com/forums/", 9, 1.1),
        (RecordedEvent.UTM(), "https://t.co/", 6, 0.8),
    ]

    /// State FIPS codes (the GEOID's first two digits) where developers check sites, by weight.
    static let checkStates: [(fips: String, weight: Double)] = [
        ("48", 16), ("06", 14), ("12", 12), ("01", 9), ("13", 8), ("36", 7), ("37", 6), ("17", 5), ("04", 5), ("42", 4), ("26", 3),
        ("53", 3),
    ]

    static let devices: [(type: String, os: String, browser: String, weight: Double)] = [
        ("desktop", "macOS", "Chrome", 24), ("desktop", "Windows", "Chrome", 20), ("desktop", "macOS", "Safari", 10),
        ("desktop", "Windows", "Edge", 6), ("mobile", "iOS", "Safari", 22), ("mobile", "Android", "Chrome", 13),
        ("tablet", "iPadOS", "Safari", 5),
    ]

    let options: Options
    /// The last moment events may have: nothing is generated in the future.
    let now: Date

    func generate() -> Output {
        var output = Output(events: [], identities: [])
        for visitor in 0..<self.options.visitors {
            self.visitor(visitor, into: &output)
        }
        for (index, user) in self.options.demoUsers.enumerated() {
            self.demoAccount(index, user, into: &output)
        }
        output.events.removeAll { $0.occurredAt > self.now }
        output.events.sort { $0.occurredAt < $1.occurredAt }
        return output
    }

    var offerings: [UUID] { self.options.offerings.isEmpty ? Self.placeholderOfferings : self.options.offerings }

    /// The first day of the window, 00:00 UTC.
    var firstDay: Date {
        Date(timeIntervalSince1970: (self.now.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400) - Double(self.options.days - 1) * 86_400
    }

    // MARK: One generated visitor

    private func visitor(_ index: Int, into output: inout Output) {
        // A stream per visitor: a visitor's events do not change when the count of others does.
        var random = SplitMix64(seed: self.options.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index))
        let day = self.firstVisitDay(&random)
        let source = Self.sources[random.pick(Self.sources.map(\.weight))]
        let device = Self.devices[random.pick(Self.devices.map(\.weight))]
        let entry = Self.entryPoints[random.pick(Self.entryPoints.map(\.weight))]
        let anonymousID = "demo-visitor-\(index)"
        let signsUp = random.chance(min(entry.signUp * source.factor, 0.9))
        let userID = signsUp ? random.uuid() : nil
        var visit = Visit(
            generator: self, random: random, anonymousID: anonymousID, userID: nil, device: device, index: index, sessions: 0,
            events: [])

        // The first session: the landing page from the source, the entry point, maybe a sign-up.
        visit.startSession(at: self.time(day: day, random: &visit.random), utm: source.utm, referrer: source.referrer)
        visit.page("/")
        self.entryPage(entry.name, &visit)
        if let userID {
            visit.client(
                "auth_initiated",
                [
                    "source_endpoint": .string(entry.name), "first_auth": .bool(true),
                    "auth_method": .string(["email", "google", "email", "passkey"][visit.random.below(4)]),
                    "referrer": .string(source.referrer ?? "direct"),
                ])
            visit.userID = userID
            output.identities.append((anonymousID, userID))
            visit.domain(
                "user.created", origin: "auth",
                [
                    "user_id": .string(userID.uuidString.lowercased()), "first_auth_source": .string(entry.name),
                    "auth_method": .string("email"), "current_role": .string(entry.name.contains("oz") ? "developer" : "investor"),
                ])
            self.completeEntry(entry.name, &visit)
        }
        self.browseListings(&visit, depth: signsUp ? 0.55 : 0.3)

        // Return visits: signed-up users come back far more often, and less so as weeks pass.
        var returning = signsUp ? 0.78 : 0.3
        var current = day
        while visit.random.chance(returning) {
            current += 1 + visit.random.below(signsUp ? 9 : 14)
            guard current < self.options.days else { break }
            visit.startSession(at: self.time(day: current, random: &visit.random), utm: RecordedEvent.UTM(), referrer: nil)
            visit.page(signsUp && visit.random.chance(0.5) ? "/dashboard" : "/listings")
            if signsUp, visit.random.chance(0.45) { visit.client("dashboard_viewed", [:]) }
            if signsUp, entry.name == "check_if_your_development_is_in_an_oz", visit.random.chance(0.35) {
                self.ozCheck(&visit)
            }
            self.browseListings(&visit, depth: signsUp ? 0.6 : 0.25)
            returning *= 0.86
        }
        output.events += visit.events
    }

    /// Later days are likelier (the quarter's growth), weekends quieter.
    private func firstVisitDay(_ random: inout SplitMix64) -> Int {
        let weights = (0..<self.options.days).map { day -> Double in
            let weekday = DashboardRange.calendar.component(.weekday, from: self.firstDay + Double(day) * 86_400)
            let weekend = weekday == 1 || weekday == 7 ? 0.62 : 1.0
            let growth = 0.55 + 0.9 * Double(day) / Double(max(self.options.days - 1, 1))
            return growth * weekend
        }
        return random.pick(weights)
    }

    /// A moment on `day`, mostly in US working hours (13:00–04:00 UTC).
    private func time(day: Int, random: inout SplitMix64) -> Date {
        let hour = 13 + random.below(15)
        return self.firstDay + Double(day) * 86_400 + Double(hour % 24) * 3600 + Double(hour >= 24 ? 86_400 : 0)
            + Double(random.below(3600))
    }

    private func entryPage(_ entry: String, _ visit: inout Visit) {
        switch entry {
        case "see_oz_listings":
            visit.page("/listings")
            visit.client("listings_viewed", [:])
        case "check_if_your_development_is_in_an_oz":
            visit.page("/oz-check")
            visit.client("oz_check_started", [:])
        case "check_how_much_tax_you_can_save":
            visit.page("/tax-calculator")
            visit.client("tax_calculator_opened", [:])
        case "qualify_as_an_investor":
            visit.page("/qualify")
            visit.client("qualification_started", [:])
        case "see_dashboard": visit.page("/dashboard")
        case "speak_to_the_team":
            visit.page("/contact")
            visit.client("team_contact_opened", [:])
        default:
            visit.page("/community")
            visit.client("community_opened", [:])
        }
    }

    /// What finishing the entry point's flow records once signed in (seed 000's table updates).
    private func completeEntry(_ entry: String, _ visit: inout Visit) {
        let user = JSONValue.string(visit.userID?.uuidString.lowercased() ?? "")
        switch entry {
        case "check_if_your_development_is_in_an_oz":
            self.ozCheck(&visit)
        case "check_how_much_tax_you_can_save":
            let gain = [150_000, 400_000, 750_000, 1_200_000, 3_000_000][visit.random.below(5)]
            visit.domain("tax_calculator.used", origin: "investments", ["user_id": user, "capital_gain": .string("\(gain).00")])
        case "qualify_as_an_investor":
            visit.domain("investor_profile.created", origin: "investments", ["user_id": user])
            if visit.random.chance(0.7) { visit.domain("investor_qualification.submitted", origin: "investments", ["user_id": user]) }
        case "see_dashboard":
            visit.client("dashboard_viewed", [:])
        default:
            break
        }
    }

    private func ozCheck(_ visit: inout Visit) {
        let state = Self.checkStates[visit.random.pick(Self.checkStates.map(\.weight))].fips
        let geoid = state + String(format: "%03d%06d", 1 + visit.random.below(150), 100 + visit.random.below(980_000))
        visit.domain(
            "oz_check.completed", origin: "properties",
            [
                "user_id": .string(visit.userID?.uuidString.lowercased() ?? ""), "tract_geoid": .string(geoid),
                "designated": .bool(visit.random.chance(0.38)),
            ])
    }

    /// The seed 001 funnel, each step less likely than the last; documents, commitments and funding
    /// need an account.
    private func browseListings(_ visit: inout Visit, depth: Double) {
        guard visit.random.chance(depth) else { return }
        let offering = self.offerings[visit.random.below(self.offerings.count)]
        let id = JSONValue.string(offering.uuidString.lowercased())
        visit.client("listing_viewed", ["offering_id": id])
        guard visit.random.chance(0.62) else { return }
        visit.client("listing_details_opened", ["offering_id": id])
        guard let user = visit.userID, visit.random.chance(0.5) else { return }
        visit.client("documents_downloaded", ["offering_id": id])
        guard visit.random.chance(0.3) else { return }
        let amount = [50_000, 100_000, 150_000, 250_000, 500_000][visit.random.below(5)]
        let investment = visit.random.uuid()
        let fields: [String: JSONValue] = [
            "investment_id": .string(investment.uuidString.lowercased()), "offering_id": id,
            "investor_id": .string(user.uuidString.lowercased()), "amount": .string("\(amount).00"),
        ]
        visit.domain("investment.committed", origin: "investments", fields, after: 3600)
        guard visit.random.chance(0.72) else { return }
        visit.domain("investment.funded", origin: "investments", fields, after: Double(2 + visit.random.below(12)) * 86_400)
    }

    // MARK: Demo accounts

    /// A demo account's quarter: a visit every few days, the dashboard, the listings, now and then
    /// the funnel's first steps.
    private func demoAccount(_ index: Int, _ user: UUID, into output: inout Output) {
        var random = SplitMix64(seed: self.options.seed &* 0xD1B5_4A32_D192_ED03 &+ UInt64(index))
        let device = Self.devices[random.pick(Self.devices.map(\.weight))]
        var visit = Visit(
            generator: self, random: random, anonymousID: "demo-account-\(index)", userID: user, device: device, index: 100_000 + index,
            sessions: 0, events: [])
        var day = visit.random.below(5)
        while day < self.options.days {
            visit.startSession(at: self.time(day: day, random: &visit.random), utm: RecordedEvent.UTM(), referrer: nil)
            visit.page("/dashboard")
            visit.client("dashboard_viewed", [:])
            if visit.random.chance(0.5) {
                visit.page("/listings")
                visit.client("listings_viewed", [:])
                let offering = JSONValue.string(self.offerings[visit.random.below(self.offerings.count)].uuidString.lowercased())
                visit.client("listing_viewed", ["offering_id": offering])
                if visit.random.chance(0.4) { visit.client("listing_details_opened", ["offering_id": offering]) }
            }
            day += 2 + visit.random.below(6)
        }
        output.events += visit.events
    }
}

/// One visitor's events as they are made: the session's shared fields, and a clock that moves on
/// a little with every event.
private struct Visit {
    let generator: DemoAnalytics
    var random: SplitMix64
    let anonymousID: String
    var userID: UUID?
    let device: (type: String, os: String, browser: String, weight: Double)
    let index: Int
    var sessions: Int
    var events: [RecordedEvent]
    var clock = Date(timeIntervalSince1970: 0)
    var session = ""
    var utm = RecordedEvent.UTM()
    var referrer: String?

    mutating func startSession(at start: Date, utm: RecordedEvent.UTM, referrer: String?) {
        self.sessions += 1
        self.clock = start
        self.session = "demo-s\(self.index)-\(self.sessions)"
        self.utm = utm
        self.referrer = referrer
    }

    mutating func page(_ path: String) {
        self.client("page_viewed", ["path": .string(path)], url: "https://app.tract.test" + path)
    }

    /// A client event; only the session's first event carries the campaign and referrer.
    mutating func client(_ name: String, _ properties: [String: JSONValue], url: String? = nil) {
        self.clock += Double(15 + self.random.below(150))
        let first = !self.events.contains { $0.sessionID == self.session }
        self.events.append(
            RecordedEvent(
                id: self.random.uuid(), name: name, origin: "client", occurredAt: self.clock, receivedAt: self.clock, userID: self.userID,
                anonymousID: self.anonymousID, sessionID: self.session, pageURL: url, referrer: first ? self.referrer : nil,
                utm: first ? self.utm : RecordedEvent.UTM(), deviceType: self.device.type, os: self.device.os, browser: self.device.browser,
                ipPrefix: "198.51.100.0/24", properties: .object(properties)))
    }

    /// A service's domain event about this user, `after` seconds on (it moves the clock).
    mutating func domain(_ name: String, origin: String, _ properties: [String: JSONValue], after: Double = 60) {
        self.clock += after
        self.events.append(
            RecordedEvent(
                id: self.random.uuid(), name: name, origin: origin, occurredAt: self.clock, receivedAt: self.clock, userID: self.userID,
                properties: .object(properties)))
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator, so the demo is the same on
/// every machine (Swift's `SystemRandomNumberGenerator` cannot be seeded).
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { self.state = seed }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 0..<bound (bound ≥ 1).
    mutating func below(_ bound: Int) -> Int { Int(self.next() % UInt64(max(bound, 1))) }

    mutating func chance(_ probability: Double) -> Bool { Double(self.next() >> 11) / Double(1 << 53) < probability }

    /// An index drawn in proportion to `weights`.
    mutating func pick(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var target = Double(self.next() >> 11) / Double(1 << 53) * total
        for (index, weight) in weights.enumerated() {
            target -= weight
            if target < 0 { return index }
        }
        return max(weights.count - 1, 0)
    }

    /// A UUID from the stream, version 4 layout: the same seed gives the same ids.
    mutating func uuid() -> UUID {
        var bytes = [UInt8](repeating: 0, count: 16)
        for half in 0..<2 {
            let value = self.next()
            for byte in 0..<8 { bytes[half * 8 + byte] = UInt8(truncatingIfNeeded: value >> (8 * byte)) }
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11],
                bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }
}
