import Foundation
import Models
import Testing

@testable import AnalyticsService

/// The pure rules of ingestion: User-Agent families, bots, address truncation, partition months.
@Suite struct IngestionRulesTests {
    @Test(arguments: [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
            UserAgent(deviceType: "desktop", os: "Windows", browser: "Chrome")
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87",
            UserAgent(deviceType: "desktop", os: "Windows", browser: "Edge")
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
            UserAgent(deviceType: "desktop", os: "macOS", browser: "Safari")
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            UserAgent(deviceType: "mobile", os: "iOS", browser: "Safari")
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
            UserAgent(deviceType: "mobile", os: "iOS", browser: "Chrome")
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            UserAgent(deviceType: "tablet", os: "iOS", browser: "Safari")
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36",
            UserAgent(deviceType: "mobile", os: "Android", browser: "Chrome")
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36",
            UserAgent(deviceType: "tablet", os: "Android", browser: "Chrome")
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
            UserAgent(deviceType: "mobile", os: "Android", browser: "Samsung Internet")
        ),
        (
            "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
            UserAgent(deviceType: "desktop", os: "Linux", browser: "Firefox")
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 OPR/111.0.0.0",
            UserAgent(deviceType: "desktop", os: "Windows", browser: "Opera")
        ),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
            UserAgent(deviceType: "desktop", os: "ChromeOS", browser: "Chrome")
        ),
        ("curl/8.5.0", UserAgent(deviceType: "desktop", os: "Other", browser: "curl")),
        ("", UserAgent(deviceType: "unknown", os: "Other", browser: "Other")),
    ])
    func userAgentFamilies(header: String, expected: UserAgent) {
        #expect(UserAgent(parsing: header) == expected)
    }

    @Test(arguments: [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
        "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
        "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
        "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse",
        "Some-Crawler/1.0",
    ])
    func botsAreRecognised(header: String) {
        #expect(UserAgent(parsing: header).isBot)
        #expect(UserAgent(parsing: header).deviceType == "bot")
    }

    @Test func scriptsAndBrowsersAreNotBots() {
        #expect(!UserAgent(parsing: "curl/8.5.0").isBot)
        #expect(!UserAgent(parsing: "Wget/1.21.4").isBot)
        #expect(!UserAgent(parsing: IngestionFixture.firefox).isBot)
        #expect(!UserAgent(parsing: nil).isBot)
    }

    @Test(arguments: [
        ("203.0.113.77", "203.0.113.0/24"),
        ("10.1.2.255", "10.1.2.0/24"),
        ("::ffff:192.0.2.130", "192.0.2.0/24"),
        ("2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::/48"),
        ("2001:db8::1", "2001:db8::/48"),
        ("::1", "::/48"),
    ])
    func addressesAreTruncated(address: String, prefix: String) {
        #expect(IPPrefix.of(address) == prefix)
    }

    @Test func noAddressNoPrefix() {
        #expect(IPPrefix.of(nil) == nil)
        #expect(IPPrefix.of("not an address") == nil)
    }

    @Test func monthsComeFromPartitionNames() {
        let months = EventMonths(partitions: ["events_y2025m12", "events_y2026m01", "events_default", "other"])
        let format = Date.ISO8601FormatStyle()
        #expect(months.contains(try! format.parse("2025-12-01T00:00:00Z")))
        #expect(months.contains(try! format.parse("2026-01-31T23:59:59Z")))
        #expect(!months.contains(try! format.parse("2025-11-30T23:59:59Z")))
        #expect(!months.contains(try! format.parse("2026-02-01T00:00:00Z")))
    }

    @Test func depthCountsThePropertiesObjectAsOne() {
        #expect(EventIntake.depth(of: ["a": 1]) == 1)
        #expect(EventIntake.depth(of: ["a": ["b": [1, ["c": true]]]]) == 4)
        #expect(EventIntake.depth(of: [:]) == 1)
    }

    @Test func theReceiptIsWhatTheEncoderWrites() throws {
        var receipt = IngestionReceipt(accepted: 2, duplicates: 1, rejected: 1, dropped: 0)
        receipt.ids = ["0b6a4f62-3f4e-4b9e-9d5e-0f1f2f3f4f5f", nil, "7d1e2f3a-0000-4000-8000-000000000001", "7d1e2f3a-0000-4000-8000-000000000001"]
        receipt.errors = [.init(field: "events[1].name", message: "is not an allowed \"name\" / see the list")]
        #expect(try receipt.json() == String(decoding: try JSONEncoder.tract.encode(receipt), as: UTF8.self))
        #expect(try IngestionReceipt().json() == String(decoding: try JSONEncoder.tract.encode(IngestionReceipt()), as: UTF8.self))
    }

    /// The 8 KiB limit counts the bytes `JSONEncoder()` writes, and Postgres reads the same value.
    @Test(
        arguments: [
            ["path": "/listings/1", "position": 3, "ratio": 0.25, "big": 9_007_199_254_740_991, "neg": -2, "tiny": 1e-7, "flag": true, "none": nil],
            ["text": "quote \" backslash \\ tab \t newline \n bell \u{07} del \u{7F} é 😀 \u{2028}", "list": [1, "two", [3], ["four": 4.5]]],
            [:],
            ["whole": 1e15, "fraction": 123.456, "negative zero": -0.0],
        ] as [JSONValue])
    func propertiesAreWrittenAsJSONEncoderWritesThem(properties: JSONValue) throws {
        let text = PropertiesJSON.text(properties)
        #expect(text.utf8.count == (try JSONEncoder().encode(properties)).count)
        #expect(PropertiesJSON.size(of: properties) == text.utf8.count)
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) == properties)
    }
}
