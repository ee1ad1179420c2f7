import Foundation
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService

/// Outgoing webhooks' pure rules: the retry schedule, `Retry-After`, the SSRF guard's address and
/// URL rules.
@Suite struct WebhookRulesTests {
    typealias Schedule = WebhookRetrySchedule
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func theScheduleIsTheSpecificationsWithJitterOnlyLater() {
        // Standard Webhooks: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h.
        #expect(Schedule.waits == [0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400])
        #expect(Schedule.maxAttempts == 10)
        for attempt in 1...9 {
            let base = Schedule.waits[attempt]
            #expect(
                Schedule.verdict(attempt: attempt, status: 500, retryAfter: nil, now: Self.now, jitter: 0, retryAfterCap: 86400)
                    == .retry(at: Self.now.addingTimeInterval(base)))
            #expect(
                Schedule.verdict(attempt: attempt, status: nil, retryAfter: nil, now: Self.now, jitter: 1, retryAfterCap: 86400)
                    == .retry(at: Self.now.addingTimeInterval(base * 1.1)))
        }
        #expect(Schedule.verdict(attempt: 10, status: 500, retryAfter: nil, now: Self.now, jitter: 0, retryAfterCap: 86400) == .exhausted)
    }

    @Test func twoHundredsDeliverAndFourTenIsGone() {
        for status in [200, 201, 204, 299] {
            #expect(Schedule.verdict(attempt: 10, status: status, retryAfter: nil, now: Self.now, jitter: 0, retryAfterCap: 1) == .delivered)
        }
        #expect(Schedule.verdict(attempt: 1, status: 410, retryAfter: nil, now: Self.now, jitter: 0, retryAfterCap: 1) == .gone)
        // A redirect is not followed: it is a failure like any other.
        #expect(
            Schedule.verdict(attempt: 1, status: 307, retryAfter: nil, now: Self.now, jitter: 0, retryAfterCap: 1)
                == .retry(at: Self.now.addingTimeInterval(5)))
    }

    @Test func retryAfterIsHonouredOn429_502_504OnlyAndCapped() {
        for status in [429, 502, 504] {
            #expect(
                Schedule.verdict(attempt: 1, status: status, retryAfter: "120", now: Self.now, jitter: 0, retryAfterCap: 86400)
                    == .retry(at: Self.now.addingTimeInterval(120)))
        }
        // 503 and 500 follow the schedule whatever they ask.
        for status in [500, 503] {
            #expect(
                Schedule.verdict(attempt: 1, status: status, retryAfter: "120", now: Self.now, jitter: 0, retryAfterCap: 86400)
                    == .retry(at: Self.now.addingTimeInterval(5)))
        }
        #expect(
            Schedule.verdict(attempt: 2, status: 429, retryAfter: "99999999999", now: Self.now, jitter: 0, retryAfterCap: 86400)
                == .retry(at: Self.now.addingTimeInterval(86400)))
        // Unreadable: the schedule.
        #expect(
            Schedule.verdict(attempt: 2, status: 429, retryAfter: "soon", now: Self.now, jitter: 0, retryAfterCap: 86400)
                == .retry(at: Self.now.addingTimeInterval(300)))
        #expect(Schedule.verdict(attempt: 10, status: 429, retryAfter: "1", now: Self.now, jitter: 0, retryAfterCap: 86400) == .exhausted)
    }

    @Test func retryAfterReadsSecondsAndHTTPDates() {
        // 1_800_000_000 is Fri, 15 Jan 2027 08:00:00 GMT.
        #expect(Schedule.retryAfterSeconds("0", now: Self.now) == 0)
        #expect(Schedule.retryAfterSeconds(" 30 ", now: Self.now) == 30)
        #expect(Schedule.retryAfterSeconds("Fri, 15 Jan 2027 08:10:00 GMT", now: Self.now) == 600)
        #expect(Schedule.retryAfterSeconds("Friday, 15-Jan-27 08:01:00 GMT", now: Self.now) == 60)
        #expect(Schedule.retryAfterSeconds("Fri Jan 15 08:00:30 2027", now: Self.now) == 30)
        #expect(Schedule.retryAfterSeconds("Thu, 01 Jan 2026 00:00:00 GMT", now: Self.now) == 0)
        for bad in [nil, "", "-5", "1.5", "tomorrow", "Fri, 15 Jan 2027"] as [String?] {
            #expect(Schedule.retryAfterSeconds(bad, now: Self.now) == nil, "\(bad ?? "nil")")
        }
    }

    @Test(arguments: [
        ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("10.1.2.3", "private"), ("172.16.0.1", "private"),
        ("172.31.255.255", "private"), ("192.168.1.1", "private"), ("100.64.0.1", "shared (CGNAT)"), ("100.127.255.255", "shared (CGNAT)"),
        ("169.254.169.254", "cloud metadata"), ("169.254.1.1", "link-local"), ("0.0.0.0", "unspecified"), ("224.0.0.1", "multicast"),
        ("255.255.255.255", "reserved"), ("::1", "loopback"), ("::", "unspecified"), ("fe80::1", "link-local"), ("fc00::1", "private (unique local)"),
        ("fd12:3456::1", "private (unique local)"), ("fd00:ec2::254", "cloud metadata"), ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"), ("::ffff:169.254.169.254", "cloud metadata"), ("64:ff9b::a00:1", "private"),
        ("2002:c0a8:101::1", "private"),
    ])
    func privateAddressesAreRefused(address: String, reason: String) throws {
        #expect(WebhookTarget.forbiddenReason(try Self.bytes(address)) == reason)
    }

    @Test(arguments: ["93.184.215.14", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "2002:808:808::1"])
    func publicAddressesAreAllowed(address: String) throws {
        #expect(WebhookTarget.forbiddenReason(try Self.bytes(address)) == nil)
    }

    @Test func addressesPrintInTheirUsualForm() throws {
        for text in ["127.0.0.1", "::1", "fd00:ec2::254", "2606:4700:4700::1111", "fe80::1:2", "1:2:3:4:5:6:7:8", "::"] {
            #expect(WebhookTarget.text(try Self.bytes(text)) == text)
        }
    }

    @Test func urlsMustBeHTTPSAbsoluteAndCredentialFree() {
        func refusal(_ url: String, allowHTTP: Bool = false) -> String? {
            if case .failure(let refusal) = WebhookTarget.checkURL(url, allowHTTP: allowHTTP) { return refusal.message }
            return nil
        }
        #expect(refusal("https://hooks.example.com/tract") == nil)
        #expect(refusal("https://hooks.example.com:8443/tract?x=1") == nil)
        #expect(refusal("http://hooks.example.com/tract") == "must be an https URL")
        #expect(refusal("http://hooks.example.com/tract", allowHTTP: true) == nil)
        #expect(refusal("ftp://hooks.example.com/", allowHTTP: true) == "must be an http or https URL")
        #expect(refusal("https://user:pw@hooks.example.com/") == "must not carry a user name or password")
        #expect(refusal("https://hooks.example.com/#frag") == "must not have a fragment")
        #expect(refusal("/relative") != nil)
        #expect(refusal("https://") != nil)
        #expect(refusal("https://hooks.example.com/a b") != nil)
        #expect(refusal("https://hooks.example.com/\u{0}") != nil)
        #expect(refusal("https://hooks.example.com/" + String(repeating: "a", count: 2048)) == "must be at most 2048 characters")
    }

    @Test func theResolverRefusesPrivateNamesUnlessAllowed() async throws {
        let strict = WebhookResolver(allowPrivateTargets: false)
        #expect(await strict.address(for: "127.0.0.1") == .failure(.forbidden(address: "127.0.0.1", reason: "loopback")))
        #expect(await strict.address(for: "[::1]") == .failure(.forbidden(address: "::1", reason: "loopback")))
        if case .success = await strict.address(for: "localhost") { Issue.record("localhost was allowed") }
        #expect(await WebhookResolver(allowPrivateTargets: true).address(for: "127.0.0.1") == .success("127.0.0.1"))
        #expect(
            await WebhookResolver(allowPrivateTargets: true).address(for: "no-such-host.invalid")
                == .failure(.unresolvable(host: "no-such-host.invalid")))
    }

    static let settingNames = [
        "WEBHOOK_ALLOW_PRIVATE_TARGETS", "WEBHOOK_ALLOW_HTTP", "WEBHOOK_SECRET_KEY", "WEBHOOK_TIMEOUT_SECONDS", "WEBHOOK_POLL_MS",
        "WEBHOOK_ROTATION_OVERLAP_HOURS", "WEBHOOK_CONCURRENCY", "WEBHOOK_MAX_ENDPOINTS_PER_OWNER", "RATE_LIMIT_WEBHOOK_CALLS_PER_HOUR",
    ]

    /// Every variable webhooks read is in `communications --help` and the README's table; the
    /// defaults are the safe ones; bad values stop start-up naming the variable.
    @Test func settingsAreDocumentedSafeByDefaultAndChecked() throws {
        let readme = try String(contentsOf: RepositoryScripts.root.appendingPathComponent("README.md"), encoding: .utf8)
        let help = Set(CommunicationsEntryPoint.settingsHelp.split(whereSeparator: \.isWhitespace).map(String.init))
        for name in Self.settingNames {
            #expect(help.contains(name), "--help lists \(name)")
            #expect(readme.contains("`\(name)`"), "README lists \(name)")
        }
        let defaults = try WebhookSettings.fromEnvironment(EnvironmentReader([:]))
        #expect(!defaults.allowPrivateTargets && !defaults.allowHTTP && defaults.secretKey == nil)
        let set = try WebhookSettings.fromEnvironment(
            EnvironmentReader([
                "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true", "WEBHOOK_SECRET_KEY": Data(repeating: 7, count: 32).base64EncodedString(),
                "WEBHOOK_ROTATION_OVERLAP_HOURS": "2",
            ]))
        #expect(set.allowPrivateTargets && set.secretKey != nil && set.rotationOverlap == .seconds(7200))
        #expect(throws: ConfigurationError.self) {
            try WebhookSettings.fromEnvironment(EnvironmentReader(["WEBHOOK_SECRET_KEY": Data(repeating: 7, count: 16).base64EncodedString()]))
        }
        #expect(throws: ConfigurationError.self) {
            try WebhookSettings.fromEnvironment(EnvironmentReader(["WEBHOOK_ALLOW_PRIVATE_TARGETS": "maybe"]))
        }
    }

    /// inet_pton, to write the table in text.
    static func bytes(_ text: String) throws -> [UInt8] {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        throw WebhookTarget.Refusal("not an address: \(text)")
    }
}
