import Foundation
import Logging
import Models
import NIOHTTP1
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

@testable import AnalyticsService

/// The dashboard served by the real analytics app on a real port, over a database holding the
/// demo quarter (`make run`'s own generator and loader), and drawn by real headless Chromium.
@Suite struct DashboardTests {
    /// analytics on a port with the demo quarter loaded at `now` (the app's clock is fixed there too).
    static func run(_ body: @escaping @Sendable (JSONClient, TestIssuer, TestDatabase, Int) async throws -> Void) async throws {
        let issuer = try TestIssuer()
        let now = Date()
        try await issuer.serve { jwksURL in
            try await TestDatabase.with(services: [.analytics]) { database in
                let port = try await freePort()
                let configuration = ServiceConfiguration.forTesting(.analytics, database: database, jwksURL: jwksURL, port: port)
                let app = try await buildApplication(configuration, overrides: ServiceOverrides(runsOutboxDispatcher: false, clock: .fixed(now)))
                try await withRunningApplication(app, port: port) {
                    try await TestDatabase.withClient(database.url(for: .analytics)) { client in
                        let options = DemoAnalytics.Options(visitors: 400, days: 90, seed: 13, demoUsers: [], offerings: [])
                        do {
                            _ = try await DemoLoader(postgres: client, clock: .fixed(now)).load(options, logger: Logger(label: "test.demo"))
                        } catch {
                            // PSQLError hides its message from `description`.
                            Issue.record("demo load: \(String(reflecting: error))")
                            throw error
                        }
                    }
                    try await body(JSONClient(port: port), issuer, database, port)
                }
            }
        }
    }

    @Test func staffOnlyWithAStrictContentSecurityPolicy() async throws {
        try await Self.run { client, issuer, _, _ in
            let anonymous = try await client.get("/v1/analytics/dashboard")
            #expect(anonymous.status == 401)
            #expect(anonymous.headers.first(name: "Content-Type")?.hasPrefix("application/problem+json") == true)
            let investor = try await client.get("/v1/analytics/dashboard", token: try await issuer.token(roles: [.investor]))
            #expect(investor.status == 403)
            #expect(investor.headers.first(name: "Content-Type")?.hasPrefix("application/problem+json") == true)
            let investorLink = try await client.send(.POST, "/v1/analytics/dashboard/links", token: try await issuer.token(roles: [.investor]))
            #expect(investorLink.status == 403)
            #expect(try await client.send(.POST, "/v1/analytics/dashboard/links").status == 401)

            let admin = try await issuer.token(roles: [.admin])
            let page = try await client.get("/v1/analytics/dashboard", token: admin)
            #expect(page.status == 200)
            #expect(page.headers.first(name: "Content-Type") == "text/html; charset=utf-8")
            #expect(
                page.headers.first(name: "Content-Security-Policy")?.hasPrefix("default-src 'none'; style-src 'unsafe-inline'; img-src data:") == true
            )
            #expect(page.headers.first(name: "Cache-Control") == "no-store")
            for chart in ["signups", "funnel", "sources", "retention", "oz-checks"] {
                #expect(page.text.contains(#"data-chart="\#(chart)" xmlns"#), "\(chart) drawn from the demo quarter")
            }
            #expect(!page.text.contains("data-empty"))

            let bad = try await client.get("/v1/analytics/dashboard?from=2026-02-30", token: admin)
            #expect(bad.status == 422)
            #expect(bad.json["errors"] == .array([.object(["field": .string("from"), "message": .string("must be a date, YYYY-MM-DD")])]))
            // Sent but empty is not a day either (schemathesis: `?to=` was read as "today").
            let emptyTo = try await client.get("/v1/analytics/dashboard?to=", token: admin)
            #expect(emptyTo.status == 422)
            #expect(emptyTo.json["errors"] == .array([.object(["field": .string("to"), "message": .string("must be a date, YYYY-MM-DD")])]))

            // A range with nothing in it shows every chart's empty state, not a broken page.
            let empty = try await client.get("/v1/analytics/dashboard?from=2025-01-01&to=2025-01-31", token: admin)
            #expect(empty.status == 200)
            #expect(empty.text.components(separatedBy: #"data-empty="true""#).count - 1 == 5)
        }
    }

    @Test func aLinkOpensOnceAndStartsABrowserSession() async throws {
        try await Self.run { client, issuer, database, _ in
            let admin = try await issuer.token(roles: [.admin])
            let minted = try await client.send(.POST, "/v1/analytics/dashboard/links", token: admin)
            #expect(minted.status == 201)
            let url = try #require(minted.string("url"))
            #expect(url.hasPrefix("/v1/analytics/dashboard?access="))
            let opened = try await client.get(url)
            #expect(opened.status == 200)
            let cookie = try #require(opened.headers.first(name: "Set-Cookie"))
            #expect(cookie.hasSuffix("; Path=/v1/analytics/dashboard; Max-Age=3600; HttpOnly; SameSite=Strict"))
            // Spent: the same URL again is refused.
            #expect(try await client.get(url).status == 401)
            // The session cookie opens the page and its CSV downloads.
            let session = [("Cookie", String(cookie.prefix { $0 != ";" }))]
            #expect(try await client.send(.GET, "/v1/analytics/dashboard?from=2026-01-01&to=2026-01-31", headers: session).status == 200)
            let csv = try await client.send(.GET, "/v1/analytics/dashboard/exports/oz-checks.csv", headers: session)
            #expect(csv.status == 200)
            #expect(csv.headers.first(name: "Content-Type")?.hasPrefix("text/csv") == true)
            #expect(csv.text.hasPrefix("state,checks,designated"))
            // Only the secret's hash is stored.
            let secret = String(url.split(separator: "=")[1])
            let stored = try await TestDatabase.withAdmin(database: database.name) { admin in
                var hashes: [String] = []
                for try await hash in try await admin.query("SELECT token_hash FROM analytics.dashboard_links").decode(String.self) {
                    hashes.append(hash)
                }
                return hashes
            }
            #expect(stored == [SecretToken.hash(secret)])
            // A made-up cookie or link opens nothing.
            #expect(
                try await client.send(.GET, "/v1/analytics/dashboard", headers: [("Cookie", "tract_dashboard=\(String(repeating: "a", count: 43))")])
                    .status == 401)
            #expect(try await client.get("/v1/analytics/dashboard?access=\(String(repeating: "b", count: 43))").status == 401)
            // Something that is not a link secret at all is named as the mistake, even beside a token.
            let mangled = try await client.get("/v1/analytics/dashboard?access=nope")
            #expect(mangled.status == 422)
            #expect(mangled.text.contains(#""field":"access""#))
            #expect(try await client.get("/v1/analytics/dashboard?access=null", token: admin).status == 422)
        }
    }

    @Test func demoLoadIsIdempotent() async throws {
        try await Self.run { _, _, database, _ in
            let counts = try await TestDatabase.withClient(database.url(for: .analytics)) { client in
                let before = try await Self.count(client)
                let options = DemoAnalytics.Options(visitors: 400, days: 90, seed: 13, demoUsers: [], offerings: [])
                let again = try await DemoLoader(postgres: client, clock: .system).load(options, logger: Logger(label: "test.demo"))
                return (before, try await Self.count(client), again.stored)
            }
            #expect(counts.0 > 2000)
            #expect(counts.1 == counts.0)
            #expect(counts.2 == 0)
        }
    }

    static func count(_ client: PostgresClient) async throws -> Int {
        for try await count in try await client.query("SELECT count(*)::int8 FROM analytics.events").decode(Int64.self) { return Int(count) }
        return 0
    }

    /// Real headless Chromium opens a one-use link, renders the page and screenshots it; the DOM
    /// after rendering has every chart with marks in it, and the PNG is a picture, not a blank.
    @Test func chromiumRendersTheDashboard() async throws {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let browser = try #require(chromium, "headless Chromium is needed: apt-get install chromium (CI's .ci/run installs it)")
        try await Self.run { client, issuer, _, port in
            let admin = try await issuer.token(roles: [.admin])
            let artifacts = RepositoryScripts.root.appendingPathComponent(".build/test-artifacts")
            try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
            let screenshot = artifacts.appendingPathComponent("dashboard.png")
            try? FileManager.default.removeItem(at: screenshot)

            // Each Chromium run spends its own link.
            func link() async throws -> String {
                let minted = try await client.send(.POST, "/v1/analytics/dashboard/links", token: admin)
                return "http://127.0.0.1:\(port)" + (minted.string("url") ?? "")
            }
            let profile = FileManager.default.temporaryDirectory.appendingPathComponent("tract-chromium-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: profile) }
            let common = [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--no-first-run",
                "--user-data-dir=\(profile.path)", "--window-size=1400,2400",
            ]
            let dom = try await RepositoryScripts.run(browser, common + ["--dump-dom", try await link()])
            #expect(dom.status == 0)
            for chart in ["signups", "funnel", "sources", "retention", "oz-checks"] {
                let svg = Self.element(#"data-chart="\#(chart)""#, in: dom.output)
                #expect(svg != nil, "\(chart) is in the rendered DOM")
                #expect(svg?.contains("data-empty") == false)
                let marks = ["<path class=\"line\"", "<rect class=\"bar\"", "<rect class=\"cell\""].reduce(0) {
                    $0 + (svg?.components(separatedBy: $1).count ?? 1) - 1
                }
                #expect(marks > 0, "\(chart) has marks")
            }

            let shot = try await RepositoryScripts.run(browser, common + ["--screenshot=\(screenshot.path)", try await link()])
            #expect(shot.status == 0, "\(shot.output)")
            let size = (try FileManager.default.attributesOfItem(atPath: screenshot.path)[.size] as? Int) ?? 0
            #expect(size > 60_000, "a 1400×2400 dashboard is a picture, not a blank page (\(size) bytes)")
            // Decoded with the standard library's zlib: distinct colours and how much is not background.
            let stats = try await RepositoryScripts.run("/usr/bin/python3", ["-c", Self.pngStatistics, screenshot.path])
            let numbers = stats.output.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
            #expect(stats.status == 0 && numbers.count == 5, "\(stats.output)")
            guard numbers.count == 5 else { return }
            #expect(numbers[0] == 1400 && numbers[1] == 2400)
            #expect(numbers[2] > 200, "colours in the picture: \(numbers[2])")
            #expect(numbers[3] > 0.05, "share of pixels that are neither the page background nor white: \(numbers[3])")
            // The charts' accent colour (indigo #4f46e5) is on screen: the line, bars and funnel.
            #expect(numbers[4] > 2000, "accent pixels: \(numbers[4])")
        }
    }

    /// The `<svg …>…</svg>` element whose start tag contains `marker`.
    static func element(_ marker: String, in html: String) -> String? {
        guard let start = html.range(of: marker) else { return nil }
        let open = html[..<start.lowerBound].range(of: "<svg", options: .backwards)?.lowerBound ?? start.lowerBound
        guard let end = html[start.upperBound...].range(of: "</svg>") else { return nil }
        return String(html[open..<end.upperBound])
    }

    /// Prints width, height, distinct colours, the share of pixels that are neither white nor the
    /// page background (#f5f6fa), and how many are near the accent colour #4f46e5.
    static let pngStatistics = #"""
        import struct, sys, zlib
        data = open(sys.argv[1], 'rb').read()
        assert data[:8] == b'\x89PNG\r\n\x1a\n'
        pos, idat, width = 8, b'', 0
        while pos < len(data):
            length, kind = struct.unpack('>I4s', data[pos:pos + 8])
            body = data[pos + 8:pos + 8 + length]
            if kind == b'IHDR':
                width, height, depth, colour = struct.unpack('>IIBB', body[:10])
                assert depth == 8 and colour in (2, 6), (depth, colour)
                bpp = 3 if colour == 2 else 4
            elif kind == b'IDAT':
                idat += body
            pos += 12 + length
        raw = zlib.decompress(idat)
        stride = width * bpp
        previous = bytearray(stride)
        colours, busy, near = set(), 0, 0
        target = (0x4f, 0x46, 0xe5)
        for y in range(height):
            start = y * (stride + 1)
            kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = previous[i]
                c = previous[i - bpp] if i >= bpp else 0
                if kind == 1: line[i] = (line[i] + a) & 255
                elif kind == 2: line[i] = (line[i] + b) & 255
                elif kind == 3: line[i] = (line[i] + (a + b) // 2) & 255
                elif kind == 4:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            previous = line
            for x in range(0, stride, bpp):
                pixel = (line[x], line[x + 1], line[x + 2])
                colours.add(pixel)
                if pixel != (255, 255, 255) and pixel != (245, 246, 250): busy += 1
                if all(abs(pixel[k] - target[k]) <= 12 for k in range(3)): near += 1
        print(width, height, len(colours), busy / (width * height), near)
        """#
}
