import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import InvestmentsService

/// Issue 22: K-1s per offering and tax year — a ZIP matched by investor id with what did not
/// match reported, each investor seeing and downloading only their own, delivery and first
/// download recorded, corrections superseding visibly.
@Suite struct K1Tests {
    static func pdf(_ text: String) -> [UInt8] { Array("%PDF-1.7\n% \(text)\n%%EOF\n".utf8) }
    static func absent(_ value: JSONValue?) -> Bool { value == nil || value == .null }

    // MARK: The archive reader, against Python's zipfile.

    @Test func storedAndDeflatedEntriesComeOutWhole() throws {
        let big = Array(String(repeating: "Schedule K-1 (Form 1065) partner's share of income. ", count: 2_000).utf8)
        let archive = try ZipFixture.make([
            .init("k1/a.pdf", big), .init("b.pdf", Self.pdf("b"), deflated: false), .init("empty.txt", [], deflated: true),
        ])
        let read = try ZipArchive(archive)
        #expect(read.entries.map(\.path) == ["k1/a.pdf", "b.pdf", "empty.txt"])
        #expect(read.entries[0].contents == big)
        #expect(read.entries[1].contents == Self.pdf("b"))
        #expect(read.entries[2].contents.isEmpty)
        #expect(read.skipped.isEmpty)
    }

    @Test func damagedOrOversizedArchivesAreRefused() throws {
        let contents = Array(String(repeating: "x", count: 5_000).utf8)
        let archive = try ZipFixture.make([.init("a.pdf", contents)])
        #expect(throws: ZipArchive.Failure.notAZip) { try ZipArchive(Array("%PDF-1.7 not a zip".utf8)) }
        #expect(throws: ZipArchive.Failure.notAZip) { try ZipArchive(Array(archive.prefix(archive.count - 30))) }
        #expect(throws: ZipArchive.Failure.tooLarge("a.pdf")) { try ZipArchive(archive, limits: .init(maxEntryBytes: 4_999)) }
        // A byte of the stored CRC changed: the contents no longer match it.
        var tampered = archive
        let central = try #require(Self.lastIndex(of: [0x50, 0x4b, 0x01, 0x02], in: tampered))
        tampered[central + 16] ^= 0xFF
        #expect(throws: ZipArchive.Failure.self) { try ZipArchive(tampered) }
    }

    static func lastIndex(of needle: [UInt8], in bytes: [UInt8]) -> Int? {
        stride(from: bytes.count - needle.count, through: 0, by: -1).first { Array(bytes[$0..<($0 + needle.count)]) == needle }
    }

    @Test func filesAreMatchedByTheOneInvestorIdInTheirName() {
        let (a, b, c, stranger) = (UUID(), UUID(), UUID(), UUID())
        let files: [K1Matching.File] = [
            .init(name: "K1-2025-\(a.uuidString).pdf", contents: Self.pdf("a")),
            .init(name: "k1_\(b.uuidString.lowercased())_final.pdf", contents: Self.pdf("b")),
            .init(name: "K1-\(c.uuidString).pdf", contents: Self.pdf("c1")),
            .init(name: "K1-\(c.uuidString)-v2.pdf", contents: Self.pdf("c2")),
            .init(name: "K1-\(stranger.uuidString).pdf", contents: Self.pdf("s")),
            .init(name: "cover letter.pdf", contents: Self.pdf("x")),
            .init(name: "\(a.uuidString)-\(b.uuidString).pdf", contents: Self.pdf("ab")),
            .init(name: "K1-\(b.uuidString).txt", contents: Array("plain".utf8)),
        ]
        let (matched, unmatched) = K1Matching.match(files, investors: [a, b, c])
        #expect(matched.map(\.investorId) == [a, b])
        #expect(Set(unmatched.map(\.fileName)) == Set(files.dropFirst(2).map(\.name)))
        #expect(unmatched.first { $0.fileName == "cover letter.pdf" }?.reason == "its name holds no investor id")
        #expect(unmatched.first { $0.fileName.hasSuffix(".txt") }?.reason == "is not a PDF")
    }

    // MARK: Through the service.

    struct Setup {
        var offering: String
        var sponsor: String
        var investors: [(id: UUID, token: String)]
    }

    static func setUp(_ fixture: InvestmentsFixture, investors count: Int = 3) async throws -> Setup {
        let sponsor = try await fixture.token(.sponsor)
        let offering = try await fixture.openOffering(sponsor: sponsor)
        var investors: [(UUID, String)] = []
        for _ in 0..<count {
            let id = UUID()
            let token = try await fixture.token(.investor, user: id)
            let investment = try await fixture.commit("50000", in: offering, investor: token)
            let funded = try await fixture.post("/v1/investments/\(investment)/fund", #"{"date": "2025-03-01"}"#, token: sponsor)
            try #require(funded.status == 200, "\(funded.text)")
            investors.append((id, token))
        }
        return Setup(offering: offering, sponsor: sponsor, investors: investors)
    }

    static func upload(
        _ fixture: InvestmentsFixture, _ path: String, _ bytes: [UInt8], type: String, token: String?
    ) async throws -> JSONClient.Reply {
        try await fixture.investments.send(.POST, path, body: bytes, contentType: type, token: token)
    }

    @Test func aZipDeliversEachInvestorTheirOwnAndReportsTheRest() async throws {
        try await InvestmentsFixture.run { fixture in
            let setup = try await Self.setUp(fixture)
            let (a, b, c) = (setup.investors[0], setup.investors[1], setup.investors[2])
            let stranger = UUID()
            let archive = try ZipFixture.make([
                .init("2025/K1-\(a.id.uuidString.lowercased()).pdf", Self.pdf("for a")),
                .init("2025/K1-\(b.id.uuidString).pdf", Self.pdf("for b"), deflated: false),
                .init("2025/K1-\(stranger.uuidString).pdf", Self.pdf("stranger")),
                .init("2025/K1-\(c.id.uuidString).docx", Array("PK not a pdf".utf8)),
                .init("__MACOSX/._K1.pdf", [0, 1, 2]),
            ])
            let report = try await Self.upload(
                fixture, "/v1/offerings/\(setup.offering)/k1s/bulk?tax_year=2025", archive, type: "application/zip", token: setup.sponsor)
            #expect(report.status == 200, "\(report.text)")
            #expect(report["delivered"]?[0]?["investor_id"] == .string(a.id.uuidString.lowercased()))
            #expect(report["delivered"]?[1]?["investor_id"] == .string(b.id.uuidString.lowercased()))
            #expect(report["delivered"]?[2] == nil)
            let unmatched = (0..<3).compactMap { report["unmatched"]?[$0]?["file_name"] }
            #expect(Set(unmatched) == [.string("K1-\(stranger.uuidString).pdf"), .string("K1-\(c.id.uuidString).docx")])
            #expect(
                try await fixture.sql(
                    "SELECT count(*)::text FROM investments.outbox WHERE event_type = 'k1.delivered' AND subscriber = 'communications'") == ["2"])
            // Sealed at rest: the stored bytes are not the PDF.
            #expect(
                try await fixture.sql("SELECT count(*)::text FROM investments.k1_documents WHERE position('%PDF' in encode(sealed, 'escape')) > 0")
                    == ["0"])

            // Each investor sees and downloads only their own.
            let own = try await fixture.investments.get("/v1/k1s", token: a.token)
            #expect(own["data"]?[0]?["tax_year"] == .number(2025))
            #expect(own["data"]?[1] == nil)
            let k1 = try #require(own["data"]?[0]?["id"].flatMap { if case .string(let s) = $0 { s } else { nil } })
            #expect(Self.absent(own["data"]?[0]?["first_downloaded_at"]))
            #expect(try await fixture.investments.get("/v1/k1s", token: c.token)["data"]?[0] == nil)
            #expect(try await fixture.investments.get("/v1/k1s/\(k1)", token: b.token).status == 404)
            #expect(try await fixture.investments.get("/v1/k1s/\(k1)/file", token: b.token).status == 404)
            #expect(try await fixture.investments.get("/v1/k1s/\(k1)/file", token: try await fixture.token(.sponsor)).status == 404)
            // The sponsor may look without it counting as the investor's download.
            #expect(try await fixture.investments.get("/v1/k1s/\(k1)/file", token: setup.sponsor).text.hasPrefix("%PDF-1.7\n% for a"))
            #expect(Self.absent(try await fixture.investments.get("/v1/k1s/\(k1)", token: a.token)["first_downloaded_at"]))
            let file = try await fixture.investments.get("/v1/k1s/\(k1)/file", token: a.token)
            #expect(file.status == 200)
            #expect(Array(file.text.utf8) == Self.pdf("for a"))
            #expect(file.headers.first(name: "content-type") == "application/pdf")
            #expect(file.headers.first(name: "cache-control") == "private, no-store")
            #expect(file.headers.first(name: "content-disposition")?.hasPrefix("attachment; filename=\"K1-") == true)
            let shown = try await fixture.investments.get("/v1/k1s/\(k1)", token: a.token)
            #expect(!Self.absent(shown["first_downloaded_at"]))
            #expect(shown["download_count"] == .number(1))
            #expect(shown["delivered_at"] != nil)

            // A correction supersedes the first, which stays listed and points at it.
            let correction = try await Self.upload(
                fixture, "/v1/offerings/\(setup.offering)/k1s?tax_year=2025&investor_id=\(a.id.uuidString.lowercased())&file_name=K1-corrected.pdf",
                Self.pdf("for a, corrected"), type: "application/pdf", token: setup.sponsor)
            #expect(correction.status == 201, "\(correction.text)")
            #expect(correction["corrected"] == .bool(true))
            let corrected = try #require(correction.string("id"))
            let history = try await fixture.investments.get("/v1/k1s?tax_year=2025", token: a.token)
            #expect(history["data"]?[0]?["id"] == .string(corrected))
            #expect(history["data"]?[1]?["superseded_by"] == .string(corrected))
            #expect(!Self.absent(history["data"]?[1]?["superseded_at"]))
            #expect(try await fixture.investments.get("/v1/k1s/\(corrected)/file", token: a.token).text.contains("corrected"))
            #expect(
                try await fixture.sql(
                    "SELECT (envelope->'payload'->>'corrected') FROM investments.outbox WHERE event_type = 'k1.delivered' AND subscriber = 'communications' ORDER BY id"
                ) == [
                    "false", "false", "true",
                ])
            // The sponsor sees every version of the offering's K-1s.
            let all = try await fixture.investments.get("/v1/offerings/\(setup.offering)/k1s?tax_year=2025", token: setup.sponsor)
            #expect((0..<4).compactMap { all["data"]?[$0] }.count == 3)
            #expect(try await fixture.investments.get("/v1/offerings/\(setup.offering)/k1s?tax_year=2024", token: setup.sponsor)["data"]?[0] == nil)
        }
    }

    @Test func onlyTheOfferingsSponsorDeliversAndBadUploadsAreRefused() async throws {
        try await InvestmentsFixture.run { fixture in
            let setup = try await Self.setUp(fixture, investors: 1)
            let investor = setup.investors[0]
            let base = "/v1/offerings/\(setup.offering)/k1s"
            let good = "\(base)?tax_year=2025&investor_id=\(investor.id.uuidString.lowercased())"
            // Another sponsor and the investor see the open offering but deliver nothing.
            for token in [try await fixture.token(.sponsor), investor.token] {
                #expect(try await Self.upload(fixture, good, Self.pdf("x"), type: "application/pdf", token: token).status == 403)
                #expect(try await fixture.investments.get(base, token: token).status == 403)
            }
            #expect(try await Self.upload(fixture, good, Self.pdf("x"), type: "application/pdf", token: nil).status == 401)
            #expect(
                try await Self.upload(
                    fixture, "/v1/offerings/\(UUID())/k1s?tax_year=2025&investor_id=\(investor.id)", Self.pdf("x"), type: "application/pdf",
                    token: setup.sponsor
                ).status == 404)
            let cases: [(String, [UInt8], Int, String?)] = [
                ("\(base)?investor_id=\(investor.id)", Self.pdf("x"), 422, "tax_year"),
                ("\(base)?tax_year=abc&investor_id=\(investor.id)", Self.pdf("x"), 422, "tax_year"),
                ("\(base)?tax_year=1e400&investor_id=\(investor.id)", Self.pdf("x"), 422, "tax_year"),
                ("\(base)?tax_year=2017&investor_id=\(investor.id)", Self.pdf("x"), 422, "tax_year"),
                ("\(base)?tax_year=2031&investor_id=\(investor.id)", Self.pdf("x"), 422, "tax_year"),
                ("\(base)?tax_year=%00&investor_id=\(investor.id)", Self.pdf("x"), 422, "tax_year"),
                ("\(base)?tax_year=2025", Self.pdf("x"), 422, "investor_id"),
                ("\(base)?tax_year=2025&investor_id=%00", Self.pdf("x"), 422, "investor_id"),
                ("\(base)?tax_year=2025&investor_id=\(UUID())", Self.pdf("x"), 422, "investor_id"),
                (good, [], 422, "body"),
                (good, Array("not a pdf".utf8), 415, nil),
                (good, [UInt8](repeating: 0x25, count: (10 << 20) + 1), 413, nil),
                ("\(base)/bulk?tax_year=2025", Self.pdf("not a zip"), 422, nil),
                ("\(base)/bulk", Self.pdf("x"), 422, "tax_year"),
            ]
            for (path, body, status, field) in cases {
                let reply = try await Self.upload(fixture, path, body, type: "application/octet-stream", token: setup.sponsor)
                #expect(reply.status == status, "\(path) → \(reply.status) \(reply.text.prefix(300))")
                #expect(reply.headers.first(name: "content-type")?.hasPrefix("application/problem+json") == true, "\(path)")
                if let field { #expect(reply["errors"]?[0]?["field"] == .string(field), "\(path): \(reply.text.prefix(300))") }
            }
            #expect(try await fixture.sql("SELECT count(*)::text FROM investments.k1_documents") == ["0"])
            #expect(try await fixture.investments.get("/v1/k1s/\(UUID())", token: investor.token).status == 404)
            #expect(try await fixture.investments.get("/v1/k1s/not-an-id", token: investor.token).status == 404)
        }
    }
}
