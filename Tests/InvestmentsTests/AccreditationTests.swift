import Foundation
import Models
import NIOHTTP1
import ServiceKit
import Synchronization
import TestSupport
import Testing

@testable import InvestmentsService

/// A clock the test moves by hand: approvals expire by the service's clock, not the wall's.
final class MovableClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date) { self.current = Mutex(start) }

    var serviceClock: ServiceClock { ServiceClock { self.current.withLock { $0 } } }

    func advance(days: Int) { self.current.withLock { $0 = $0.addingTimeInterval(Double(days) * 86_400) } }
}

/// Issue 22, accreditation under SEC Rule 506(c): evidence only its investor and staff see, the
/// verifier's single-use link, decisions that expire, and the minimum-investment path.
@Suite struct AccreditationTests {
    static let letter = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% I confirm the investor is accredited.\n%%EOF\n"

    /// A 506(c) offering (the default) of a new sponsor's; returns the offering id.
    static func accreditedOffering(_ fixture: InvestmentsFixture, maximum: String = "2000000.00") async throws -> (String, String) {
        let sponsor = try await fixture.token(.sponsor)
        let property = try await fixture.listProperty(sponsor: sponsor, target: "5000000.00", maximum: maximum)
        let created = try await fixture.investments.post("/v1/offerings", #"{"property_id": "\#(property)"}"#, token: sponsor)
        try #require(created.status == 201, "\(created.text)")
        return (try #require(created.string("id")), sponsor)
    }

    /// An investor with an account in auth (the verifier is told their name) and a pending
    /// accreditation verification; returns (user, token, verification).
    static func applicant(_ fixture: InvestmentsFixture, firstName: String = "Grace") async throws -> (UUID, String, String) {
        let user = UUID()
        try await fixture.account(user, firstName: firstName, lastName: "Hopper")
        let token = try await fixture.token(.investor, user: user)
        let submitted = try await fixture.investments.post("/v1/investor-profile/verifications", #"{"type": "accredited"}"#, token: token)
        try #require(submitted.status == 201, "\(submitted.text)")
        return (user, token, try #require(submitted.string("id")))
    }

    static let nomination =
        #"{"verifier_name": "Ada Ledger, CPA", "verifier_email": "ada@ledger-cpa.example", "verifier_role": "cpa", "license_number": "CPA-12345"}"#

    /// The link of the latest verifier email waiting in investments' outbox for communications.
    static func latestLink(_ fixture: InvestmentsFixture, to address: String = "ada@ledger-cpa.example") async throws -> String {
        let rows = try await fixture.sql(
            """
            SELECT envelope->'payload'->'email'->'variables'->>'link' FROM investments.outbox
            WHERE event_type = 'email.requested' AND envelope->'payload'->'email'->>'to' = '\(address)' AND sensitive
            ORDER BY id DESC LIMIT 1
            """)
        let link = try #require(rows.first)
        return String(link[try #require(link.range(of: "/v1/verifications/letters/")).lowerBound...])
    }

    static func upload(_ fixture: InvestmentsFixture, _ path: String, body: String = letter, token: String? = nil, type: String = "application/pdf")
        async throws -> JSONClient.Reply
    {
        try await fixture.investments.send(.POST, path, json: body, contentType: type, token: token)
    }

    @Test func aVerifierLetterThroughItsSingleUseLinkLetsTheInvestorCommitUntilItExpires() async throws {
        let clock = MovableClock(Date(timeIntervalSince1970: Double(InvestmentsFixture.today.dayNumber) * 86_400 + 12 * 3_600))
        try await InvestmentsFixture.run(withAuth: true, clock: clock.serviceClock) { fixture in
            let (offering, _) = try await Self.accreditedOffering(fixture)
            let (user, investor, verification) = try await Self.applicant(fixture)
            let admin = try await fixture.token(.admin)
            let investorName = "Grace Hopper (\(user.uuidString.lowercased())@example.com)"

            // SEC Rule 506(c): refused before any verification.
            let early = try await fixture.post("/v1/offerings/\(offering)/investments", #"{"amount": "50000"}"#, token: investor)
            #expect(early.status == 403)
            #expect(early.string("type") == "https://tract.dev/problems/accreditation-required")

            let asked = try await fixture.investments.post("/v1/verifications/\(verification)/verifier-request", Self.nomination, token: investor)
            #expect(asked.status == 201, "\(asked.text)")
            #expect(asked.string("verifier_role") == "cpa")
            #expect(asked.string("expires_at") == "2026-12-08T12:00:00.000000Z")
            // The token is stored hashed: the link's secret is nowhere in the table.
            let link = try await Self.latestLink(fixture)
            let token = String(link.split(separator: "/").last ?? "")
            #expect(SecretToken.isWellFormed(token))
            #expect(try await fixture.sql("SELECT count(*)::text FROM investments.verifier_requests WHERE token_hash = '\(token)'") == ["0"])
            #expect(
                try await fixture.sql("SELECT count(*)::text FROM investments.verifier_requests WHERE token_hash = '\(SecretToken.hash(token))'")
                    == ["1"])

            // The verifier, with no account, sees what is asked and of whom.
            let shown = try await fixture.investments.get(link)
            #expect(shown.status == 200, "\(shown.text)")
            #expect(shown.string("investor_name") == investorName)
            #expect(shown.string("asked")?.contains("506(c)(2)(ii)(C)") == true)

            // A letter dated more than 90 days ago, or in the future, or not a PDF/image: refused, link unspent.
            let stale = try await Self.upload(fixture, "\(link)?letter_date=2026-08-25&file_name=letter.pdf")
            #expect(stale.status == 422)
            #expect(stale["errors"]?[0]?["field"] == .string("letter_date"))
            let future = try await Self.upload(fixture, "\(link)?letter_date=2026-11-25&file_name=letter.pdf")
            #expect(future.status == 422)
            let text = try await Self.upload(fixture, "\(link)?letter_date=2026-11-20&file_name=letter.pdf", body: "just words", type: "text/plain")
            #expect(text.status == 415)
            #expect(text["errors"]?[0]?["field"] == .string("file"))
            let noName = try await Self.upload(fixture, "\(link)?letter_date=2026-11-20")
            #expect(noName.status == 422)
            #expect(noName["errors"]?[0]?["field"] == .string("file_name"))

            // Dated 80 days before today: received, the verification waits for staff.
            let received = try await Self.upload(fixture, "\(link)?letter_date=2026-09-05&file_name=ledger-letter.pdf")
            #expect(received.status == 201, "\(received.text)")
            #expect(received.string("source") == "verifier")
            let fileID = try #require(received.string("id"))
            let waiting = try await fixture.investments.get("/v1/verifications/\(verification)", token: investor)
            #expect(waiting.string("status") == "pending_review")
            #expect(waiting.string("letter_date") == "2026-09-05")
            #expect(waiting.string("method") == "third_party")

            // A second use of the link is refused and changes nothing.
            let again = try await Self.upload(fixture, "\(link)?letter_date=2026-11-20&file_name=other.pdf")
            #expect(again.status == 410)
            #expect(again.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(try await fixture.investments.get(link).status == 410)
            #expect(
                try await fixture.sql("SELECT count(*)::text FROM investments.accreditation_files WHERE verification_id = '\(verification)'")
                    == ["1"])

            // Staff see the letter with the request and read it byte for byte.
            let queue = try await fixture.investments.get("/v1/verifications?status=pending_review", token: admin)
            #expect(queue["data"]?[0]?["id"] == .string(verification))
            #expect(queue["data"]?[0]?["evidence"]?[0]?["id"] == .string(fileID))
            let bytes = try await fixture.investments.get("/v1/verifications/\(verification)/evidence/\(fileID)", token: admin)
            #expect(bytes.status == 200)
            #expect(bytes.text == Self.letter)
            #expect(bytes.headers.first(name: "Content-Type") == "application/pdf")

            // Staff may shorten an approval, never stretch it past what the letter allows.
            let stretched = try await fixture.investments.post(
                "/v1/verifications/\(verification)/review", #"{"decision": "approve", "expires_at": "2027-01-01T00:00:00Z"}"#, token: admin)
            #expect(stretched.status == 422, "\(stretched.text)")
            #expect(stretched["errors"]?[0]?["field"] == .string("expires_at"))
            // Approved: it counts 90 days from the letter's date (2026-09-05 + 90 days), not from today.
            let approved = try await fixture.investments.post("/v1/verifications/\(verification)/review", #"{"decision": "approve"}"#, token: admin)
            #expect(approved.status == 200, "\(approved.text)")
            #expect(approved.string("expires_at") == "2026-12-04T00:00:00.000000Z")
            let decided = try await fixture.sql(
                "SELECT envelope->'payload'->>'decision' FROM investments.outbox WHERE event_type = 'accreditation.decided' AND subscriber = 'communications'"
            )
            #expect(decided == ["approved"])
            let position = try await fixture.post("/v1/offerings/\(offering)/investments", #"{"amount": "50000"}"#, token: investor)
            #expect(position.status == 201, "\(position.text)")
            let positionID = try #require(position.string("id"))

            // Ten days on the letter is 90 days old: the approval has expired and the commitment is refused.
            clock.advance(days: 10)
            let expired = try await fixture.post("/v1/investments/\(positionID)/commit", token: investor)
            #expect(expired.status == 403, "\(expired.text)")
            #expect(expired.string("type") == "https://tract.dev/problems/accreditation-required")
            #expect(try await fixture.investments.get("/v1/verifications/\(verification)", token: investor).string("status") == "expired")
        }
    }

    @Test func evidenceIsTheInvestorsAndStaffsOnlyAndADecisionNeedsAReason() async throws {
        try await InvestmentsFixture.run(withAuth: true) { fixture in
            let (_, investor, verification) = try await Self.applicant(fixture)
            let (_, other, otherVerification) = try await Self.applicant(fixture, firstName: "Eve")
            let admin = try await fixture.token(.admin)
            let base = "/v1/verifications/\(verification)"

            let stored = try await Self.upload(fixture, "\(base)/evidence?file_name=2025-return.pdf", token: investor)
            #expect(stored.status == 201, "\(stored.text)")
            #expect(stored.string("source") == "investor")
            #expect(stored.string("sha256")?.count == 64)
            let fileID = try #require(stored.string("id"))

            // Another investor can neither see, list, read nor add to it; nor staff upload for the investor.
            #expect(try await fixture.investments.get(base, token: other).status == 404)
            #expect(try await fixture.investments.get("\(base)/evidence", token: other).status == 404)
            #expect(try await fixture.investments.get("\(base)/evidence/\(fileID)", token: other).status == 404)
            #expect(try await fixture.investments.get("/v1/verifications/\(otherVerification)/evidence/\(fileID)", token: other).status == 404)
            #expect(try await Self.upload(fixture, "\(base)/evidence?file_name=x.pdf", token: other).status == 404)
            #expect(try await fixture.investments.post("\(base)/verifier-request", Self.nomination, token: other).status == 404)
            #expect(try await fixture.investments.get("\(base)/evidence").status == 401)
            // The owner and staff do.
            #expect(try await fixture.investments.get("\(base)/evidence", token: investor)["data"]?[0]?["id"] == .string(fileID))
            #expect(try await fixture.investments.get("\(base)/evidence/\(fileID)", token: investor).text == Self.letter)
            #expect(try await fixture.investments.get("\(base)/evidence/\(fileID)", token: admin).text == Self.letter)

            // Hostile uploads: a bad name, nothing, a lie about the type, too large — each a 4xx naming the field.
            for (path, body, field, status) in [
                ("\(base)/evidence?file_name=a%00b.pdf", Self.letter, "file_name", 422),
                ("\(base)/evidence?file_name=../../etc/passwd", Self.letter, "file_name", 422),
                ("\(base)/evidence?file_name=\(String(repeating: "a", count: 300))", Self.letter, "file_name", 422),
                ("\(base)/evidence?file_name=", Self.letter, "file_name", 422),
                ("\(base)/evidence?file_name=empty.pdf", "", "file", 422),
                ("\(base)/evidence?file_name=fake.pdf", "<html>not a pdf</html>", "file", 415),
                ("\(base)/evidence?file_name=big.pdf", "%PDF-" + String(repeating: "x", count: 10 << 20), "file", 413),
            ] {
                let refused = try await Self.upload(fixture, path, body: body, token: investor)
                #expect(refused.status == status, "\(path.prefix(80)): \(refused.text.prefix(300))")
                #expect(refused["errors"]?[0]?["field"] == .string(field), "\(path.prefix(80)): \(refused.text.prefix(300))")
            }
            #expect(try await fixture.sql("SELECT count(*)::text FROM investments.accreditation_files") == ["1"])

            // Hostile nominations: each field named; nothing mailed.
            for (body, field) in [
                (#"{"verifier_name": "", "verifier_email": "a@b.co", "verifier_role": "cpa", "license_number": "1"}"#, "verifier_name"),
                (#"{"verifier_name": "A\u0000B", "verifier_email": "a@b.co", "verifier_role": "cpa", "license_number": "1"}"#, "verifier_name"),
                (#"{"verifier_name": "A", "verifier_email": "not an address", "verifier_role": "cpa", "license_number": "1"}"#, "verifier_email"),
                (
                    #"{"verifier_name": "A", "verifier_email": "a@b.co\r\nBcc: x@y.z", "verifier_role": "cpa", "license_number": "1"}"#,
                    "verifier_email"
                ),
                (#"{"verifier_name": "A", "verifier_email": "a@b.co", "verifier_role": "friend", "license_number": "1"}"#, "verifier_role"),
                (#"{"verifier_name": "A", "verifier_email": "a@b.co", "verifier_role": "cpa", "license_number": 1e400}"#, "license_number"),
                (
                    #"{"verifier_name": "A", "verifier_email": "a@b.co", "verifier_role": "cpa", "license_number": "\#(String(repeating: "9", count: 10_000))"}"#,
                    "license_number"
                ),
                (#"{"verifier_name": ["A"], "verifier_email": "a@b.co", "verifier_role": "cpa", "license_number": "1"}"#, "verifier_name"),
            ] {
                let refused = try await fixture.investments.post("\(base)/verifier-request", body, token: investor)
                #expect(refused.status == 422, "\(body.prefix(120)): \(refused.text.prefix(300))")
                #expect(refused["errors"]?[0]?["field"] == .string(field), "\(body.prefix(120)): \(refused.text.prefix(300))")
            }
            #expect(try await fixture.sql("SELECT count(*)::text FROM investments.outbox WHERE event_type = 'email.requested'") == ["0"])
            // Links that are not links.
            for token in ["short", String(repeating: "A", count: 43), "%00" + String(repeating: "A", count: 40)] {
                let reply = try await fixture.investments.get("/v1/verifications/letters/\(token)")
                #expect(reply.status == 404, "\(token): \(reply.text)")
            }

            // A rejection needs a reason, which is what the investor is told.
            let bare = try await fixture.investments.post("\(base)/review", #"{"decision": "reject", "rejection_reason": "  "}"#, token: admin)
            #expect(bare.status == 422)
            let long = try await fixture.investments.post(
                "\(base)/review", #"{"decision": "reject", "rejection_reason": "\#(String(repeating: "r", count: 10_000))"}"#, token: admin)
            #expect(long["errors"]?[0]?["field"] == .string("rejection_reason"))
            let rejected = try await fixture.investments.post(
                "\(base)/review", #"{"decision": "reject", "rejection_reason": "The 2025 return does not show the income."}"#, token: admin)
            #expect(rejected.status == 200, "\(rejected.text)")
            #expect(rejected.string("status") == "rejected")
            let event = try await fixture.sql(
                "SELECT (envelope->'payload'->>'decision') || ': ' || (envelope->'payload'->>'reason') FROM investments.outbox WHERE event_type = 'accreditation.decided' AND subscriber = 'communications'"
            )
            #expect(event == ["rejected: The 2025 return does not show the income."])
            // Decided: no more evidence, no verifier.
            #expect(try await Self.upload(fixture, "\(base)/evidence?file_name=late.pdf", token: investor).status == 409)
            #expect(try await fixture.investments.post("\(base)/verifier-request", Self.nomination, token: investor).status == 409)
        }
    }

    @Test func verifierEmailsAreLimitedPerInvestorAndANewRequestReplacesTheOldLink() async throws {
        try await InvestmentsFixture.run(withAuth: true) { fixture in
            let (_, investor, verification) = try await Self.applicant(fixture)
            let path = "/v1/verifications/\(verification)/verifier-request"
            #expect(try await fixture.investments.post(path, Self.nomination, token: investor).status == 201)
            let first = try await Self.latestLink(fixture)
            #expect(try await fixture.investments.post(path, Self.nomination, token: investor).status == 201)
            let second = try await Self.latestLink(fixture)
            #expect(first != second)
            #expect(try await fixture.investments.get(first).status == 410)
            #expect(try await fixture.investments.get(second).status == 200)
            #expect(try await fixture.investments.post(path, Self.nomination, token: investor).status == 201)
            let limited = try await fixture.investments.post(path, Self.nomination, token: investor)
            #expect(limited.status == 429)
            #expect(limited.headers.first(name: "Retry-After") != nil)
            #expect(try await fixture.sql("SELECT count(*)::text FROM investments.outbox WHERE event_type = 'email.requested'") == ["3"])
            // The refused request changed nothing: the third link still works — once, however many
            // uploads race for it.
            let link = try await Self.latestLink(fixture)
            #expect(try await fixture.investments.get(link).status == 200)
            let upload = "\(link)?letter_date=2026-11-20&file_name=letter.pdf"
            async let one = Self.upload(fixture, upload)
            async let two = Self.upload(fixture, upload)
            async let three = Self.upload(fixture, upload)
            let statuses = try await [one.status, two.status, three.status].sorted()
            #expect(statuses == [201, 410, 410])
            #expect(try await fixture.sql("SELECT count(*)::text FROM investments.accreditation_files") == ["1"])
        }
    }

    @Test func theMinimumInvestmentPathOpensOnlyWhereTheOfferingAllowsItAndAtItsMinimum() async throws {
        try await InvestmentsFixture.run { fixture in
            let (offering, sponsor) = try await Self.accreditedOffering(fixture)
            let investor = try await fixture.token(.investor)
            let represent =
                #"{"investor_kind": "natural_person", "signed_name": "Grace Hopper", "is_accredited_investor": true, "not_financed_by_third_party": true}"#
            let policyPath = "/v1/offerings/\(offering)/accreditation-policy"
            let path = "/v1/offerings/\(offering)/accreditation-representations"

            // Not allowed yet: no representations taken, and a large amount alone does not pass the gate.
            #expect(try await fixture.investments.get(policyPath, token: investor)["allows_minimum_investment_path"] == .bool(false))
            #expect(try await fixture.investments.post(path, represent, token: investor).status == 409)
            #expect(try await fixture.post("/v1/offerings/\(offering)/investments", #"{"amount": "250000"}"#, token: investor).status == 403)

            // Only the sponsor (or an admin) allows it.
            let allow = #"{"allows_minimum_investment_path": true}"#
            #expect(try await fixture.investments.send(.PUT, policyPath, json: allow, token: investor).status == 403)
            #expect(
                try await fixture.investments.send(.PUT, policyPath, json: #"{"allows_minimum_investment_path": "yes"}"#, token: sponsor).status
                    == 422)
            let allowed = try await fixture.investments.send(.PUT, policyPath, json: allow, token: sponsor)
            #expect(allowed.status == 200, "\(allowed.text)")
            #expect(allowed.string("minimum_investment_natural_person") == "200000.00")
            #expect(allowed.string("minimum_investment_entity") == "1000000.00")

            // Both representations are required, in writing.
            let half =
                #"{"investor_kind": "natural_person", "signed_name": "Grace Hopper", "is_accredited_investor": true, "not_financed_by_third_party": false}"#
            let refused = try await fixture.investments.post(path, half, token: investor)
            #expect(refused.status == 422)
            #expect(refused["errors"]?[0]?["field"] == .string("not_financed_by_third_party"))
            #expect(
                try await fixture.investments.post(
                    path, #"{"investor_kind": "trust", "signed_name": "G", "is_accredited_investor": true, "not_financed_by_third_party": true}"#,
                    token: investor)["errors"]?[0]?["field"]
                    == .string("investor_kind"))
            let recorded = try await fixture.investments.send(
                .POST, path, json: represent, token: investor, headers: [("User-Agent", "TractTest/1.0")])
            #expect(recorded.status == 201, "\(recorded.text)")
            #expect(recorded.string("ip_address") == "127.0.0.1")
            #expect(recorded.string("user_agent") == "TractTest/1.0")
            #expect(recorded.string("represented_at") == "2026-11-24T12:00:00.000000Z")
            #expect(recorded.string("representation_text")?.contains("not financed in whole or in part by any third party") == true)

            // Below $200,000: refused, naming the minimum; at it: allowed and committed.
            let below = try await fixture.post("/v1/offerings/\(offering)/investments", #"{"amount": "199999.99"}"#, token: investor)
            #expect(below.status == 403)
            #expect(below.string("detail")?.contains("$200,000.00") == true)
            _ = try await fixture.commit("200000.00", in: offering, investor: investor)

            // An entity needs $1,000,000.
            let entity = try await fixture.token(.investor)
            let entityBody =
                #"{"investor_kind": "entity", "signed_name": "Hopper Holdings LLC", "is_accredited_investor": true, "not_financed_by_third_party": true}"#
            #expect(try await fixture.investments.post(path, entityBody, token: entity).status == 201)
            #expect(try await fixture.post("/v1/offerings/\(offering)/investments", #"{"amount": "999999.99"}"#, token: entity).status == 403)
            _ = try await fixture.commit("1000000.00", in: offering, investor: entity)

            // Switched off again, the path no longer opens the gate for new positions.
            _ = try await fixture.investments.send(.PUT, policyPath, json: #"{"allows_minimum_investment_path": false}"#, token: sponsor)
            let late = try await fixture.token(.investor)
            #expect(try await fixture.investments.post(path, represent, token: late).status == 409)
            #expect(try await fixture.investments.get("/v1/offerings/\(UUID())/accreditation-policy", token: late).status == 404)
        }
    }

    @Test func hostileInputOnEveryAccreditationRouteIsAProblemNeverAFailure() async throws {
        try await InvestmentsFixture.run(withAuth: true) { fixture in
            let (offering, _) = try await Self.accreditedOffering(fixture)
            let (_, investor, verification) = try await Self.applicant(fixture)
            let document = try await fixture.investments.get("/openapi.json").json
            var fragment: [String: JSONValue] = [:]
            if case .object(let paths)? = document["paths"] {
                for (path, item) in paths where AccreditationOpenAPITests.paths.contains(path) { fragment[path] = item }
            }
            var whole: [String: JSONValue] = [:]
            if case .object(let fields) = document { whole = fields }
            whole["paths"] = .object(fragment)
            let requests = HostileRequests(document: .object(whole)) { template, parameter in
                if template.hasPrefix("/v1/offerings/{id}") && parameter == "id" { return offering }
                if template.hasPrefix("/v1/verifications/{id}") && parameter == "id" { return verification }
                return nil
            }.all()
            #expect(requests.count > 20)
            for request in requests {
                let reply = try await fixture.investments.send(
                    HTTPMethod(rawValue: request.method), request.path, json: request.body, token: investor)
                #expect(reply.status >= 400 && reply.status < 500 || reply.status < 300, "\(request): \(reply.status) \(reply.text.prefix(200))")
                if reply.status >= 400 {
                    #expect(reply.headers.first(name: "Content-Type") == "application/problem+json", "\(request)")
                }
            }
            #expect(try await fixture.investments.get("/health/live").status == 200)
        }
    }
}
