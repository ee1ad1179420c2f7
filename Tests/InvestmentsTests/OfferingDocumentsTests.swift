import AsyncHTTPClient
import Crypto
import Foundation
import Models
import NIOCore
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import InvestmentsService

/// Issue 22, investing paperwork: an offering's documents, the investor's ESIGN signature on the
/// current subscription agreement, its signed copy, and the commit and funding gate — with the
/// real properties service keeping the documents and the signatures.
@Suite struct OfferingDocumentsTests {
    /// A small PDF whose body holds every byte value, so the signed copy must keep it byte for byte.
    static func agreement(_ label: String) -> [UInt8] {
        Array("%PDF-1.4\n% Subscription agreement \(label)\n".utf8) + (0...255).map { UInt8($0) }
            + Array("\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".utf8)
    }

    static func sha256(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

    /// Raw bytes over HTTP (uploads and the signed copy are not JSON).
    struct Raw: Sendable {
        let port: Int
        struct Reply: Sendable {
            var status: Int
            var headers: HTTPHeaders
            var bytes: [UInt8]
            var json: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: Data(self.bytes))) ?? .null }
            func string(_ key: String) -> String? {
                if case .string(let value)? = self.json[key] { return value }
                return nil
            }
        }

        func send(_ method: HTTPMethod, _ path: String, bytes: [UInt8]? = nil, contentType: String? = nil, token: String?) async throws -> Reply {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(self.port)\(path)")
            request.method = method
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            if let bytes { request.body = .bytes(ByteBuffer(bytes: bytes)) }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 16 << 20)
            return Reply(status: Int(response.status.code), headers: response.headers, bytes: Array(body.readableBytesView))
        }
    }

    /// An offering with a subscription agreement (version 1) attached, and an investor's pending position.
    struct Setup: Sendable {
        var sponsor: String
        var investor: String
        var investorID: UUID
        var property: String
        var offering: String
        var agreement: String
        var original: [UInt8]
        var position: String
    }

    static func upload(
        _ fixture: InvestmentsFixture, property: String, _ bytes: [UInt8], name: String = "Subscription Agreement", visibility: String = "investors",
        token: String
    ) async throws -> Raw.Reply {
        let query = "name=\(name.replacingOccurrences(of: " ", with: "%20"))&visibility=\(visibility)&file_name=agreement.pdf"
        return try await Raw(port: Self.port(fixture.properties)).send(
            .POST, "/v1/properties/\(property)/documents?\(query)", bytes: bytes, contentType: "application/pdf", token: token)
    }

    static func port(_ client: JSONClient) -> Int { Int(client.baseURL.split(separator: ":").last ?? "0") ?? 0 }

    static func setUp(_ fixture: InvestmentsFixture) async throws -> Setup {
        let sponsor = try await fixture.token(.sponsor)
        let investorID = UUID()
        let investor = try await fixture.token(.investor, user: investorID)
        let property = try await fixture.listProperty(sponsor: sponsor)
        let created = try await fixture.investments.post(
            "/v1/offerings", #"{"property_id": "\#(property)", "requires_accreditation": false}"#, token: sponsor)
        let offering = try #require(created.string("id"), "\(created.text)")
        let original = Self.agreement("v1")
        let uploaded = try await Self.upload(fixture, property: property, original, token: sponsor)
        try #require(uploaded.status == 201, "\(String(decoding: uploaded.bytes, as: UTF8.self))")
        let agreement = try #require(uploaded.string("id"))
        let attached = try await fixture.investments.send(
            .PUT, "/v1/offerings/\(offering)/documents/subscription_agreement", json: #"{"document_id": "\#(agreement)"}"#, token: sponsor)
        try #require(attached.status == 200, "\(attached.text)")
        let pending = try await fixture.post("/v1/offerings/\(offering)/investments", #"{"amount": "30000"}"#, token: investor)
        let position = try #require(pending.string("id"), "\(pending.text)")
        return Setup(
            sponsor: sponsor, investor: investor, investorID: investorID, property: property, offering: offering, agreement: agreement,
            original: original, position: position)
    }

    static func signBody(sha: String, name: String = "Jane Q. Investor", consent: String = "true", version: String = ESignConsent.version) -> String {
        #"{"document_sha256": "\#(sha)", "typed_name": "\#(name)", "esign_consent": \#(consent), "consent_version": "\#(version)"}"#
    }

    @Test func aCommitWaitsForTheSignatureOnTheCurrentAgreementAndFundingForTheNewestVersion() async throws {
        try await InvestmentsFixture.run { fixture in
            let setup = try await Self.setUp(fixture)
            let offering = setup.offering
            let v1sha = Self.sha256(setup.original)

            // Not signed: the commit is refused with what to sign.
            let refused = try await fixture.post("/v1/investments/\(setup.position)/commit", token: setup.investor)
            #expect(refused.status == 409)
            #expect(refused.string("type") == "https://tract.dev/problems/signature-required")
            #expect(refused.string("document_id") == setup.agreement)
            #expect(refused["version"] == .number(1))
            #expect(refused.string("document_sha256") == v1sha)
            #expect(refused.string("sign_url") == "/v1/offerings/\(offering)/documents/subscription_agreement/sign")
            #expect(refused.string("detail")?.contains("\"Subscription Agreement\" version 1") == true, "\(refused.text)")
            #expect(try await fixture.sql("SELECT status FROM investments.investments WHERE id = '\(setup.position)'") == ["pending"])

            // The investor reads the list: the agreement's current version and the consent to give.
            let listed = try await fixture.investments.get("/v1/offerings/\(offering)/documents", token: setup.investor)
            #expect(listed.status == 200)
            let entry = listed["data"]?[0]
            #expect(entry?["kind"] == .string("subscription_agreement"))
            #expect(entry?["document_id"] == .string(setup.agreement))
            #expect(entry?["current"]?["document_id"] == .string(setup.agreement))
            #expect(entry?["signature_required"] == .bool(true))
            #expect(entry?["current"]?["sha256"] == .string(v1sha))
            #expect(entry?["current"]?["content_url"] == .string("/v1/media/documents/\(setup.agreement)"))
            #expect(entry?["your_signature"] == nil)
            #expect(listed["esign_consent"]?["version"] == .string(ESignConsent.version))
            // …and may read the agreement's bytes in media.
            let read = try await Raw(port: Self.port(fixture.properties)).send(.GET, "/v1/media/documents/\(setup.agreement)", token: setup.investor)
            #expect(read.status == 200)
            #expect(read.bytes == setup.original)

            // A hash that is not the current version's is refused, naming the current version.
            let sign = "/v1/offerings/\(offering)/documents/subscription_agreement/sign"
            let wrong = try await fixture.investments.post(sign, Self.signBody(sha: Self.sha256([1, 2, 3])), token: setup.investor)
            #expect(wrong.status == 409)
            #expect(wrong.string("type") == "https://tract.dev/problems/document-version-changed")
            #expect(wrong["version"] == .number(1))

            // Signing: the exact version, the typed name, the consent; time, address and user agent recorded.
            let signed = try await fixture.investments.post(
                sign, Self.signBody(sha: v1sha), token: setup.investor, headers: [("User-Agent", "TractTest/22 (signing)")])
            #expect(signed.status == 201, "\(signed.text)")
            #expect(signed["version"] == .number(1))
            #expect(signed.string("document_id") == setup.agreement)
            #expect(signed.string("document_sha256") == v1sha)
            #expect(signed.string("typed_name") == "Jane Q. Investor")
            let copyURL = try #require(signed.string("signed_copy_url"))
            let signature = try #require(signed.string("signature_id"))
            #expect(copyURL == "/v1/media/signed-copies/\(signature)")
            let recorded = try await fixture.sql(
                """
                SELECT concat_ws('|', status, host(ip_address), user_agent, typed_name, document_sha256, esign_consent_version,
                    esign_consent_text = \(Self.quoted(ESignConsent.text)), signed_at IS NOT NULL)
                FROM media.signatures WHERE id = '\(signature)'
                """)
            #expect(recorded == ["signed|127.0.0.1|TractTest/22 (signing)|Jane Q. Investor|\(v1sha)|\(ESignConsent.version)|t|t"])
            // Once per version.
            #expect(try await fixture.investments.post(sign, Self.signBody(sha: v1sha), token: setup.investor).status == 409)
            let mine = try await fixture.investments.get("/v1/offerings/\(offering)/documents", token: setup.investor)
            #expect(mine["data"]?[0]?["your_signature"]?["signature_id"] == .string(signature))

            // The signed copy: the certificate page, and the original embedded byte for byte.
            let raw = Raw(port: Self.port(fixture.properties))
            let copy = try await raw.send(.GET, copyURL, token: setup.investor)
            #expect(copy.status == 200)
            #expect(copy.headers.first(name: "Content-Type") == "application/pdf")
            #expect(Self.sha256(copy.bytes) == signed.string("signed_copy_sha256"))
            let attachments = PDFAttachments.extract(copy.bytes)
            let embedded = try #require(attachments.first { $0.subtype == "application#2Fpdf" })
            #expect(Self.sha256(embedded.bytes) == v1sha)
            #expect(embedded.bytes == setup.original)
            let certificate = try #require(attachments.first { $0.subtype == "application#2Fjson" })
            let values = try JSONDecoder().decode(JSONValue.self, from: Data(certificate.bytes))
            #expect(values["typed_name"] == .string("Jane Q. Investor"))
            #expect(values["document_sha256"] == .string(v1sha))
            #expect(values["ip_address"] == .string("127.0.0.1"))
            #expect(values["user_agent"] == .string("TractTest/22 (signing)"))
            #expect(values["esign_consent_text"] == .string(ESignConsent.text))
            let page = String(decoding: copy.bytes, as: UTF8.self)
            for shown in ["(Jane Q. Investor)", "(\(v1sha))", "(127.0.0.1)", "(TractTest/22 \\(signing\\))", "version \(ESignConsent.version)"] {
                #expect(page.contains(shown), "the certificate page shows \(shown)")
            }
            // The sponsor downloads it too; another investor and the anonymous do not.
            #expect(try await raw.send(.GET, copyURL, token: setup.sponsor).bytes == copy.bytes)
            #expect(try await raw.send(.GET, copyURL, token: try await fixture.token(.investor)).status == 404)
            #expect(try await raw.send(.GET, copyURL, token: try await fixture.token(.sponsor)).status == 404)
            #expect(try await raw.send(.GET, copyURL, token: nil).status == 401)

            // Signed: the commit goes through.
            let committed = try await fixture.post("/v1/investments/\(setup.position)/commit", token: setup.investor)
            #expect(committed.status == 200, "\(committed.text)")
            #expect(committed.string("status") == "committed")

            // A new version of the agreement: funding waits until the investor signs it.
            let v2 = Self.agreement("v2")
            let uploaded = try await Self.upload(fixture, property: setup.property, v2, token: setup.sponsor)
            #expect(uploaded.status == 201)
            #expect(uploaded.json["version"] == .number(2))
            let v2id = try #require(uploaded.string("id"))
            let unfunded = try await fixture.post("/v1/investments/\(setup.position)/fund", token: setup.sponsor)
            #expect(unfunded.status == 409)
            #expect(unfunded.string("type") == "https://tract.dev/problems/signature-required")
            #expect(unfunded.string("document_id") == v2id)
            #expect(unfunded["version"] == .number(2))
            #expect(try await fixture.sql("SELECT status FROM investments.investments WHERE id = '\(setup.position)'") == ["committed"])
            // The old hash no longer signs anything.
            let stale = try await fixture.investments.post(sign, Self.signBody(sha: v1sha), token: setup.investor)
            #expect(stale.status == 409)
            #expect(stale.string("document_id") == v2id)
            let resigned = try await fixture.investments.post(sign, Self.signBody(sha: Self.sha256(v2)), token: setup.investor)
            #expect(resigned.status == 201, "\(resigned.text)")
            #expect(resigned["version"] == .number(2))
            let funded = try await fixture.post("/v1/investments/\(setup.position)/fund", token: setup.sponsor)
            #expect(funded.status == 200, "\(funded.text)")
            #expect(funded.string("status") == "funded")
            // Both signed copies stay, each with the hash of what was shown.
            #expect(
                try await fixture.sql("SELECT original_sha256 FROM media.signed_copies ORDER BY created_at") == [v1sha, Self.sha256(v2)])
        }
    }

    @Test func anOfferingWithoutAnAgreementTakesCommitmentsAsBefore() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let offering = try await fixture.openOffering(sponsor: sponsor)
            let investor = try await fixture.token(.investor)
            _ = try await fixture.commit("30000", in: offering, investor: investor)
            let listed = try await fixture.investments.get("/v1/offerings/\(offering)/documents", token: investor)
            #expect(listed.status == 200)
            #expect(listed["data"] == .array([]))
            let nothing = try await fixture.investments.post(
                "/v1/offerings/\(offering)/documents/subscription_agreement/sign", Self.signBody(sha: String(repeating: "a", count: 64)),
                token: investor)
            #expect(nothing.status == 404)
        }
    }

    @Test func everyNewFieldRefusesHostileInputAndStrangers() async throws {
        try await InvestmentsFixture.run { fixture in
            let setup = try await Self.setUp(fixture)
            let documents = "/v1/offerings/\(setup.offering)/documents"
            func put(_ body: String, kind: String = "ppm", token: String? = nil) async throws -> JSONClient.Reply {
                try await fixture.investments.send(.PUT, "\(documents)/\(kind)", json: body, token: token ?? setup.sponsor)
            }
            func field(_ reply: JSONClient.Reply) -> String? {
                if case .string(let name)? = reply["errors"]?[0]?["field"] { return name }
                return nil
            }
            // Attaching: every bad document id names the field.
            for body in [
                #"{"document_id": "nope"}"#, #"{"document_id": 12}"#, #"{"document_id": 1e400}"#, #"{"document_id": ""}"#, "{}",
                #"{"document_id": "\#(UUID())"}"#, #"{"document_id": "\u0000"}"#,
                #"{"document_id": "\#(String(repeating: "a", count: 10_000))"}"#,
            ] {
                let reply = try await put(body)
                #expect(reply.status == 422, "\(body): \(reply.text)")
                #expect(field(reply) == "document_id", "\(body): \(reply.text)")
                #expect(reply.headers.first(name: "Content-Type")?.hasPrefix("application/problem+json") == true)
            }
            #expect(field(try await put(#"{"document_id": "\#(setup.agreement)"}"#, kind: "term_sheet")) == "kind")
            // A document of another property, or one investors may not read, is refused.
            let otherProperty = try await fixture.listProperty(sponsor: setup.sponsor, name: "Other")
            let foreign = try #require(
                try await Self.upload(fixture, property: otherProperty, Self.agreement("x"), token: setup.sponsor).string("id"))
            let foreignReply = try await put(#"{"document_id": "\#(foreign)"}"#)
            #expect(foreignReply.status == 422)
            #expect(foreignReply.text.contains("another property"))
            let secret = try #require(
                try await Self.upload(
                    fixture, property: setup.property, Self.agreement("p"), name: "Private PPM", visibility: "private", token: setup.sponsor
                )
                .string("id"))
            #expect(try await put(#"{"document_id": "\#(secret)"}"#).text.contains("is private"))
            // Strangers: an investor and another sponsor may not attach or detach; an unknown offering is 404.
            #expect(try await put(#"{"document_id": "\#(setup.agreement)"}"#, token: setup.investor).status == 403)
            #expect(try await put(#"{"document_id": "\#(setup.agreement)"}"#, token: try await fixture.token(.sponsor)).status == 403)
            #expect(
                try await fixture.investments.send(
                    .PUT, "/v1/offerings/\(UUID())/documents/ppm", json: #"{"document_id": "\#(setup.agreement)"}"#, token: setup.sponsor
                )
                .status == 404)
            #expect(try await fixture.investments.send(.DELETE, "\(documents)/subscription_agreement", token: setup.investor).status == 403)
            #expect(try await fixture.investments.send(.DELETE, "\(documents)/ppm", token: setup.sponsor).status == 404)
            #expect(try await fixture.investments.get(documents).status == 401)

            // Signing: each bad field is named, and nothing is signed.
            let sha = Self.sha256(setup.original)
            let sign = "\(documents)/subscription_agreement/sign"
            let cases: [(String, String)] = [
                (Self.signBody(sha: sha, name: ""), "typed_name"),
                (Self.signBody(sha: sha, name: "   "), "typed_name"),
                (Self.signBody(sha: sha, name: String(repeating: "x", count: 10_000)), "typed_name"),
                (Self.signBody(sha: sha, name: #"Jane\u0000Doe"#), "typed_name"),
                (Self.signBody(sha: sha, name: #"Jane\nDoe"#), "typed_name"),
                (Self.signBody(sha: sha, name: #"Jane\u0007Doe"#), "typed_name"),
                (Self.signBody(sha: sha, consent: "false"), "esign_consent"),
                (Self.signBody(sha: sha, consent: #""yes""#), "esign_consent"),
                (Self.signBody(sha: sha, version: "v0"), "consent_version"),
                (Self.signBody(sha: sha.uppercased()), "document_sha256"),
                (Self.signBody(sha: ""), "document_sha256"),
                (
                    #"{"document_sha256": 1e400, "typed_name": "J", "esign_consent": true, "consent_version": "\#(ESignConsent.version)"}"#,
                    "document_sha256"
                ),
                (
                    #"{"document_sha256": "\#(sha)", "typed_name": 12, "esign_consent": true, "consent_version": "\#(ESignConsent.version)"}"#,
                    "typed_name"
                ),
                (#"{"document_sha256": "\#(sha)", "typed_name": "J", "consent_version": "\#(ESignConsent.version)"}"#, "esign_consent"),
            ]
            for (body, name) in cases {
                let reply = try await fixture.investments.post(sign, body, token: setup.investor)
                #expect(reply.status == 422, "\(body.prefix(120)): \(reply.text)")
                #expect(field(reply) == name, "\(body.prefix(120)): \(reply.text)")
            }
            #expect(try await fixture.investments.post(sign, Self.signBody(sha: sha)).status == 401)
            #expect(
                try await fixture.investments.post(
                    "/v1/offerings/\(UUID())/documents/subscription_agreement/sign", Self.signBody(sha: sha), token: setup.investor
                ).status == 404)
            // properties' internal route holds the same line for what a service relays.
            let service = try await fixture.issuer.serviceToken(for: .investments)
            let internalPath = "/internal/v1/documents/\(setup.agreement)/signing"
            func relayed(_ changes: [String: String]) -> String {
                var fields = [
                    "signer_id": "\"\(setup.investorID)\"", "sponsor_id": "\"\(UUID())\"", "document_sha256": "\"\(sha)\"",
                    "typed_name": "\"Jane\"", "consent_version": "\"v1\"", "consent_text": "\"I agree\"", "ip_address": "\"127.0.0.1\"",
                ]
                for (key, value) in changes { fields[key] = value }
                return "{" + fields.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
            }
            let internalCases: [([String: String], String)] = [
                (["ip_address": "\"999.1.1.1\""], "ip_address"),
                (["ip_address": "\"::::::\""], "ip_address"),
                (["document_sha256": "\"abc\""], "document_sha256"),
                (["typed_name": "\"\(String(repeating: "n", count: 10_000))\""], "typed_name"),
                (["consent_text": "\"\""], "consent_text"),
                (["user_agent": "\"\(String(repeating: "u", count: 1001))\""], "user_agent"),
                (["signer_id": "\"someone\""], "signer_id"),
            ]
            for (changes, name) in internalCases {
                let reply = try await fixture.properties.post(internalPath, relayed(changes), token: service)
                #expect(reply.status == 422, "\(changes.keys): \(reply.text)")
                #expect(field(reply) == name, "\(changes.keys): \(reply.text)")
            }
            // Only a service with the signing scope: a user's token (even the signer's) is refused.
            #expect(try await fixture.properties.post(internalPath, relayed([:]), token: setup.investor).status == 403)
            #expect(try await fixture.sql("SELECT count(*)::text FROM media.signatures") == ["0"])
            #expect(try await fixture.sql("SELECT count(*)::text FROM media.signed_copies") == ["0"])

            // Another investor's signature is theirs alone: signing does not sign for anyone else,
            // and the first investor's commit still waits.
            let other = try await fixture.token(.investor)
            #expect(try await fixture.investments.post(sign, Self.signBody(sha: sha, name: "Mallory"), token: other).status == 201)
            let refused = try await fixture.post("/v1/investments/\(setup.position)/commit", token: setup.investor)
            #expect(refused.status == 409)
            // A stranger cannot commit someone's position, and learns nothing about its paperwork.
            let stranger = try await fixture.post("/v1/investments/\(setup.position)/commit", token: other)
            #expect(stranger.status == 404)
            // The sponsor detaches the agreement: commitments go through as before.
            #expect(try await fixture.investments.send(.DELETE, "\(documents)/subscription_agreement", token: setup.sponsor).status == 204)
            #expect(try await fixture.post("/v1/investments/\(setup.position)/commit", token: setup.investor).status == 200)
        }
    }

    /// The routes' answers are what `offering-documents.json` and properties' documents say.
    @Test func theDocumentsDescribeTheAnswers() async throws {
        try await InvestmentsFixture.run { fixture in
            let document = try await fixture.investments.get("/openapi.json").json
            let properties = try await fixture.properties.get("/openapi.json").json
            var exercised: Set<String> = []
            func check(_ document: JSONValue, _ method: HTTPMethod, _ template: String, _ reply: JSONClient.Reply) {
                exercised.insert("\(method.rawValue.lowercased()) \(template)")
                let found = OpenAPIConformance.problems(
                    in: document, method: method.rawValue, path: template, status: reply.status,
                    contentType: reply.headers.first(name: "Content-Type") ?? "", body: reply.text)
                #expect(found.isEmpty, "\(method) \(template) \(reply.status): \(found)")
            }
            let setup = try await Self.setUp(fixture)
            let documents = "/v1/offerings/\(setup.offering)/documents"
            let item = "/v1/offerings/{id}/documents/{kind}"
            let sign = "/v1/offerings/{id}/documents/subscription_agreement/sign"
            check(document, .GET, "/v1/offerings/{id}/documents", try await fixture.investments.get(documents, token: setup.investor))
            check(
                document, .GET, "/v1/offerings/{id}/documents",
                try await fixture.investments.get("/v1/offerings/\(UUID())/documents", token: setup.investor))
            let attach = #"{"document_id": "\#(setup.agreement)"}"#
            check(
                document, .PUT, item, try await fixture.investments.send(.PUT, "\(documents)/operating_agreement", json: attach, token: setup.sponsor)
            )
            check(
                document, .PUT, item,
                try await fixture.investments.send(.PUT, "\(documents)/operating_agreement", json: attach, token: setup.investor))
            check(
                document, .PUT, item, try await fixture.investments.send(.PUT, "\(documents)/operating_agreement", json: "{}", token: setup.sponsor))
            check(document, .DELETE, item, try await fixture.investments.send(.DELETE, "\(documents)/operating_agreement", token: setup.sponsor))
            check(document, .DELETE, item, try await fixture.investments.send(.DELETE, "\(documents)/operating_agreement", token: setup.sponsor))
            let sha = Self.sha256(setup.original)
            check(
                document, .POST, sign,
                try await fixture.investments.post("\(documents)/subscription_agreement/sign", Self.signBody(sha: "x"), token: setup.investor))
            let signed = try await fixture.investments.post(
                "\(documents)/subscription_agreement/sign", Self.signBody(sha: sha), token: setup.investor)
            check(document, .POST, sign, signed)
            check(
                document, .POST, sign,
                try await fixture.investments.post("\(documents)/subscription_agreement/sign", Self.signBody(sha: sha), token: setup.investor))
            check(document, .GET, "/v1/offerings/{id}/documents", try await fixture.investments.get(documents, token: setup.investor))
            let refused = try await fixture.post("/v1/investments/\(setup.position)/commit", token: try await fixture.token(.investor))
            check(document, .POST, "/v1/investments/{id}/commit", refused)
            // properties: the signed copy, and its internal routes (with investments' service token).
            let copy = try #require(signed.string("signed_copy_url"))
            check(properties, .GET, "/v1/media/signed-copies/{signature_id}", try await fixture.properties.get(copy, token: setup.investor))
            check(
                properties, .GET, "/v1/media/signed-copies/{signature_id}",
                try await fixture.properties.get(copy, token: try await fixture.token(.investor)))
            let service = try await fixture.issuer.serviceToken(for: .investments)
            let signing = "/internal/v1/documents/{id}/signing"
            check(
                properties, .GET, signing,
                try await fixture.properties.get("/internal/v1/documents/\(setup.agreement)/signing?signer=\(setup.investorID)", token: service))
            check(properties, .GET, signing, try await fixture.properties.get("/internal/v1/documents/\(UUID())/signing", token: service))
            check(
                properties, .GET, signing,
                try await fixture.properties.get("/internal/v1/documents/\(setup.agreement)/signing", token: setup.investor))
            check(
                properties, .POST, signing,
                try await fixture.properties.post("/internal/v1/documents/\(setup.agreement)/signing", "{}", token: service))
            #expect(exercised.count == 8)
        }
    }

    static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
}

/// Reads the embedded files out of a PDF whose streams are stored uncompressed, by each stream's
/// `/Length` (as any reader would, without trusting the text around it).
enum PDFAttachments {
    struct File {
        var subtype: String
        var bytes: [UInt8]
    }

    static func extract(_ pdf: [UInt8]) -> [File] {
        let marker = Array("/Type /EmbeddedFile /Subtype /".utf8)
        var files: [File] = []
        var index = 0
        while let start = Self.find(marker, in: pdf, from: index) {
            var cursor = start + marker.count
            var subtype: [UInt8] = []
            while cursor < pdf.count, pdf[cursor] != 0x20 {
                subtype.append(pdf[cursor])
                cursor += 1
            }
            let lengthMarker = Array("/Length ".utf8)
            guard let lengthAt = Self.find(lengthMarker, in: pdf, from: cursor) else { break }
            var digits = ""
            var at = lengthAt + lengthMarker.count
            while at < pdf.count, (0x30...0x39).contains(pdf[at]) {
                digits.append(Character(UnicodeScalar(pdf[at])))
                at += 1
            }
            let streamMarker = Array("stream\n".utf8)
            guard let length = Int(digits), let streamAt = Self.find(streamMarker, in: pdf, from: at) else { break }
            let begin = streamAt + streamMarker.count
            guard begin + length <= pdf.count else { break }
            files.append(File(subtype: String(decoding: subtype, as: UTF8.self), bytes: Array(pdf[begin..<(begin + length)])))
            index = begin + length
        }
        return files
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var i = start
        while i + needle.count <= haystack.count {
            if haystack[i] == needle[0], Array(haystack[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }
}
