import Foundation
import Models
import Testing

@testable import ServiceKit

@Suite struct TraceParentTests {
    @Test func acceptsAValidHeaderAndContinuesItsTrace() throws {
        let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let parent = try #require(TraceParent(header: header))
        #expect(parent.description == header)
        let child = parent.child()
        #expect(child.traceID == parent.traceID)
        #expect(child.parentID != parent.parentID)
    }

    @Test(arguments: [
        "",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    ])
    func rejectsMalformedHeaders(header: String) {
        #expect(TraceParent(header: header) == nil)
    }
}

@Suite struct RetryScheduleTests {
    @Test func doublesUpToTheCeiling() {
        let schedule = RetrySchedule(base: .seconds(1), maximum: .seconds(10))
        #expect(
            (1...6).map { schedule.ceiling(afterAttempts: $0) } == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10)])
        #expect(schedule.ceiling(afterAttempts: 10_000) == .seconds(10))
    }

    @Test func jitterStaysInTheUpperHalf() {
        let schedule = RetrySchedule(base: .seconds(1), maximum: .seconds(60))
        var generator = SystemRandomNumberGenerator()
        for attempts in 1...8 {
            let delay = schedule.delay(afterAttempts: attempts, using: &generator)
            let ceiling = schedule.ceiling(afterAttempts: attempts)
            #expect(delay <= ceiling && delay >= ceiling / 2)
        }
    }
}

@Suite struct ModelsTests {
    @Test func uuidV7IsTimeOrderedAndVersioned() {
        let earlier = UUIDv7.make(at: Date(timeIntervalSince1970: 1_700_000_000))
        let later = UUIDv7.make(at: Date(timeIntervalSince1970: 1_700_000_001))
        #expect(earlier.uuidString < later.uuidString)
        #expect(earlier.uuidString.dropFirst(14).first == "7")
        #expect(["8", "9", "A", "B"].contains(earlier.uuidString.dropFirst(19).first.map(String.init) ?? ""))
    }

    @Test func pagesAlwaysCarryNextCursor() throws {
        let json = String(decoding: try JSONEncoder.tract.encode(Page(data: [1, 2], nextCursor: nil)), as: UTF8.self)
        #expect(json == #"{"data":[1,2],"next_cursor":null}"#)
    }

    @Test func timestampsAreRFC3339UTC() throws {
        struct Stamp: Codable { var createdAt: Date }
        let json = String(decoding: try JSONEncoder.tract.encode(Stamp(createdAt: Date(timeIntervalSince1970: 0))), as: UTF8.self)
        #expect(json == #"{"created_at":"1970-01-01T00:00:00.000000Z"}"#)
        // Issue 11, item 25: one format everywhere, microseconds and Z, whatever the instant.
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: 1_795_338_000.123456)) == "2026-11-22T09:00:00.123456Z")
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: -0.000001)) == "1969-12-31T23:59:59.999999Z")
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000000Z")
        let decoded = try JSONDecoder.tract.decode(Stamp.self, from: Data(#"{"created_at":"2026-11-22T10:00:00+01:00"}"#.utf8))
        #expect(decoded.createdAt == Date(timeIntervalSince1970: 1_795_338_000))
    }
}

@Suite struct JSONScanTests {
    static func finding(_ text: String) -> String {
        switch JSONScan(Array(text.utf8)).finding {
        case .nul(let path): "nul \(path)"
        case .duplicateKey(let path): "duplicate \(path)"
        case .malformed: "malformed"
        case nil: "none"
        }
    }

    @Test func codingPathsMapBackToTheKeysSent() {
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int?
            init(stringValue: String) { self.stringValue = stringValue }
            init(intValue: Int) {
                self.stringValue = "\(intValue)"
                self.intValue = intValue
            }
        }
        let scan = JSONScan(Array(#"{"line_items": [{}, {}, {"unit_price": 1}], "withholding_rates": {"US": "x"}}"#.utf8))
        #expect(scan.path(for: [Key(stringValue: "lineItems"), Key(intValue: 2), Key(stringValue: "unitPrice")]) == "line_items[2].unit_price")
        #expect(scan.path(for: [Key(stringValue: "withholdingRates"), Key(stringValue: "US")]) == "withholding_rates.US")
        // A key the body lacks (a required one) is named in snake_case.
        #expect(scan.path(for: [Key(stringValue: "lineItems"), Key(intValue: 0), Key(stringValue: "unitPrice")]) == "line_items[0].unit_price")
        #expect(JSONScan.convertedKey("_tax_rate_") == "_taxRate_")
    }

    @Test func findsNULAndDuplicatesWithPathsAsSent() {
        #expect(Self.finding(#"{"a": [1, {"b": "\u0000"}]}"#) == "nul a[1].b")
        #expect(Self.finding(#"{"tax_rate": 1, "taxRate": 2}"#) == "duplicate taxRate")
        #expect(Self.finding(#"{"a": 1} x"#) == "malformed")
        #expect(Self.finding(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)) == "malformed")
        #expect(Self.finding(#"{"a": "\u0041\n", "b": [true, false, null, -1.5e-3]}"#) == "none")
    }

    @Test func neverTrapsOnTruncatedOrOddBytes() {
        let samples = [#"{"a": "\u00"#, #"{"a": tru"#, "\"", "-", "1e", "[1,", #"{"a"#, "\u{0}", "{\"a\":\"\\", "\u{FF}"]
        for sample in samples {
            #expect(Self.finding(sample) == "malformed", "\(sample)")
        }
    }
}

/// Issue 11, item 9: X-Forwarded-For only from configured proxies, and only addresses.
@Suite struct ClientAddressTests {
    let gateway = TrustedProxies(parsing: "127.0.0.1, 10.0.0.0/8, fd00::/8")!

    @Test func theHeaderIsBelievedOnlyFromATrustedProxy() {
        #expect(ClientAddress.resolve(peer: "203.0.113.9", forwardedFor: "198.51.100.1", trustedProxies: self.gateway) == "203.0.113.9")
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: "198.51.100.1", trustedProxies: self.gateway) == "198.51.100.1")
        #expect(ClientAddress.resolve(peer: "10.2.3.4", forwardedFor: nil, trustedProxies: self.gateway) == "10.2.3.4")
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: "198.51.100.1", trustedProxies: .none) == "127.0.0.1")
    }

    @Test func hopsAreReadFromTheRightPastTrustedProxies() {
        // The client made up the first entry; the gateway's own view is the last untrusted hop.
        #expect(
            ClientAddress.resolve(peer: "10.0.0.5", forwardedFor: "1.2.3.4, 198.51.100.7, 10.0.0.9", trustedProxies: self.gateway) == "198.51.100.7")
        #expect(ClientAddress.resolve(peer: "::ffff:127.0.0.1", forwardedFor: "2001:db8::1", trustedProxies: self.gateway) == "2001:db8::1")
    }

    @Test func aHopThatIsNotAnAddressIsNeverReturned() {
        for junk in ["not-an-ip", "1.2.3.4'; DROP TABLE x", "", "999.1.1.1", String(repeating: "1", count: 500)] {
            #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: junk, trustedProxies: self.gateway) == "127.0.0.1", "\(junk)")
        }
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: "junk, 198.51.100.2", trustedProxies: self.gateway) == "198.51.100.2")
    }

    @Test func proxyListsParseOrAreRefused() {
        #expect(TrustedProxies(parsing: "") == TrustedProxies.none)
        #expect(TrustedProxies(parsing: "10.0.0.0/33") == nil)
        #expect(TrustedProxies(parsing: "localhost") == nil)
        #expect(TrustedProxies(parsing: "192.168.0.0/16")!.contains(IPAddress("192.168.200.1")!))
        #expect(!TrustedProxies(parsing: "192.168.0.0/16")!.contains(IPAddress("192.169.0.1")!))
    }
}

/// Issue 11, item 18: 405 with Allow for a documented path's other methods.
@Suite struct RouteTableTests {
    @Test func templatesMatchOneSegmentPerParameter() {
        let table = RouteTable(openAPI: [
            "paths": [
                "/v1/things": ["get": [:], "post": [:]],
                "/v1/things/{id}": ["get": [:], "patch": [:], "parameters": []],
            ]
        ])
        #expect(table.allowedMethods(for: "/v1/things") == ["GET", "HEAD", "POST"])
        #expect(table.allowedMethods(for: "/v1/things/abc") == ["GET", "HEAD", "PATCH"])
        #expect(table.allowedMethods(for: "/v1/things/abc/more") == nil)
        #expect(table.allowedMethods(for: "/v1/other") == nil)
    }

    /// The router takes a literal segment over a parameter, so `Allow` must too: `/things/read`
    /// answers POST only, never `/things/{id}`'s DELETE (schemathesis ST205).
    @Test func aLiteralSegmentHidesTheParameterTemplateBesideIt() {
        let table = RouteTable(openAPI: [
            "paths": [
                "/v1/things/read": ["post": [:]],
                "/v1/things/{id}": ["delete": [:]],
                "/v1/things/{id}/read": ["post": [:]],
                "/v1/things/{id}/parts/{part}": ["get": [:]],
                "/v1/things/read/parts/{part}": ["put": [:]],
            ]
        ])
        #expect(table.allowedMethods(for: "/v1/things/read") == ["POST"])
        #expect(table.allowedMethods(for: "/v1/things/abc") == ["DELETE"])
        #expect(table.allowedMethods(for: "/v1/things/read/read") == ["POST"])
        #expect(table.allowedMethods(for: "/v1/things/read/parts/x") == ["PUT"])
        #expect(table.allowedMethods(for: "/v1/things/abc/parts/x") == ["GET", "HEAD"])
    }
}

/// `maxLength` as JSON Schema and Postgres' `varchar(n)` count it: code points, not Swift's
/// grapheme clusters (schemathesis sent a note of CR LF pairs that Swift counted as half its length).
@Suite struct FieldLengthTests {
    @Test func textLengthCountsCodePoints() {
        var errors = FieldErrors()
        errors.text("note", String(repeating: "\r\n", count: 3), max: 5, multiline: true)
        errors.text("name", "👍🏽👍🏽", max: 3)
        errors.text("city", "👍🏽", max: 2)
        #expect(errors.all.map(\.field) == ["note", "name"])
        #expect(errors.all.first?.message == "must be at most 5 characters")
    }
}
