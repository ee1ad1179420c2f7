import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import AuthService

/// Issue 16, "Becoming a sponsor": a developer applies, staff decide, the decision is mailed and
/// the next access token carries the new hat without losing the old ones.
@Suite struct SponsorApplicationTests {
    @Test(arguments: [
        ("12-3456789", "12-3456789"), ("123456789", "12-3456789"), ("98-7654321", "98-7654321"),
    ])
    func einsAreNormalised(given: String, stored: String) {
        #expect(EmployerIdentificationNumber.normalize(given) == stored)
    }

    /// IRS: prefixes 00, 07–09, 17–19, 28, 29, 49, 69, 70, 78, 79, 89, 96, 97 are never assigned.
    @Test(arguments: ["00-1234567", "07-1234567", "49-1234567", "97-1234567", "12-345678", "12-34567890", "1234-56789", "ab-cdefghi", ""])
    func malformedEINsAreRefused(given: String) {
        #expect(EmployerIdentificationNumber.normalize(given) == nil)
    }

    @Test func hatsKeepEveryRoleAndPutTheActiveOneFirst() {
        let both = RoleHats.held(account: .sponsor, investorActivity: true, developerActivity: true)
        #expect(both == [.sponsor, .investor, .developer])
        #expect(RoleHats.ordered(both, active: .investor) == [.investor, .sponsor, .developer])
        // A hat not held cannot be worn; the order stays the account's own.
        #expect(RoleHats.ordered([.investor], active: .sponsor) == [.investor])
        #expect(RoleHats.held(account: .admin, investorActivity: true, developerActivity: true) == [.admin])
        #expect(RoleHats.held(account: .developer, investorActivity: false, developerActivity: true) == [.developer])
    }

    @Test func aDeveloperAppliesStaffApproveAndTheNextTokenIsASponsorsThatStillInvests() async throws {
        try await AuthFixture.run { auth in
            let admin = try await auth.signedIn(role: "admin")
            var applicant = try await auth.signedIn()
            // Seed 000: an OZ check makes them a developer, an investor profile makes them both.
            try await auth.deliverActivity("oz_check.completed", userID: applicant.id, from: .properties)
            try await auth.deliverActivity("investor_profile.created", userID: applicant.id, from: .investments)
            #expect(try await auth.rolesAfterRefresh(&applicant) == ["investor", "developer"])

            let filed = try await auth.client.post("/v1/auth/sponsor-applications", sponsorApplication(taxID: "123456789"), token: applicant.access)
            #expect(filed.status == 201, "\(filed.text)")
            #expect(filed.string("status") == "pending")
            #expect(filed.string("tax_id") == "12-3456789")
            #expect(filed.string("user_id")?.lowercased() == applicant.id)
            let id = try #require(filed.string("id"))
            // One open application per user.
            let again = try await auth.client.post("/v1/auth/sponsor-applications", sponsorApplication(), token: applicant.access)
            #expect(again.status == 409)
            let mine = try await auth.client.get("/v1/auth/sponsor-applications", token: applicant.access)
            #expect(mine.json["data"]?[0]?["id"] == .string(id))
            #expect(mine.json["data"]?[1] == nil)

            // The applicant is not staff: the review routes are closed to them.
            #expect(try await auth.client.get("/v1/auth/admin/sponsor-applications", token: applicant.access).status == 403)
            #expect(try await auth.client.post("/v1/auth/admin/sponsor-applications/\(id)/approve", "", token: applicant.access).status == 403)

            let pending = try await auth.client.get("/v1/auth/admin/sponsor-applications?status=pending", token: admin.access)
            #expect(pending.json["data"]?[0]?["id"] == .string(id))
            #expect(try await auth.client.get("/v1/auth/admin/sponsor-applications?status=lost", token: admin.access).status == 422)

            let approved = try await auth.client.post("/v1/auth/admin/sponsor-applications/\(id)/approve", "", token: admin.access)
            #expect(approved.status == 200, "\(approved.text)")
            #expect(approved.string("status") == "approved")
            #expect(approved.string("decided_at") != nil)
            #expect(try await auth.client.post("/v1/auth/admin/sponsor-applications/\(id)/approve", "", token: admin.access).status == 409)
            #expect(
                try await auth.client.post("/v1/auth/admin/sponsor-applications/\(UUID().uuidString)/approve", "", token: admin.access).status
                    == 404)

            // The access token in hand is unchanged; the next one is a sponsor's that still invests.
            #expect(try AuthFixture.roles(of: applicant.access) == ["investor", "developer"])
            #expect(try await auth.rolesAfterRefresh(&applicant) == ["sponsor", "investor", "developer"])
            let mail = try #require(try await auth.lastMail(to: applicant.email))
            #expect(mail.template == "sponsor_application_approved")
            #expect(mail.variables["legal_name"] == "Riverside Development LLC")
            #expect(
                try await auth.count(
                    "SELECT count(*) FROM auth.outbox WHERE event_type = 'user.role_changed' AND envelope->'payload'->>'current_role' = 'sponsor'")
                    == 1)
            // A sponsor has nothing left to apply for.
            #expect(try await auth.client.post("/v1/auth/sponsor-applications", sponsorApplication(), token: applicant.access).status == 409)

            // Role switching: the sponsor wears the investor hat; every role stays in the token.
            let switched = try await auth.client.send(
                .PUT, "/v1/auth/me/current-role", json: #"{"current_role":"investor"}"#, token: applicant.access)
            #expect(switched.status == 200, "\(switched.text)")
            #expect(switched.string("current_role") == "investor")
            #expect(try await auth.rolesAfterRefresh(&applicant) == ["investor", "sponsor", "developer"])
            let notHeld = try await auth.client.send(.PUT, "/v1/auth/me/current-role", json: #"{"current_role":"admin"}"#, token: applicant.access)
            #expect(notHeld.status == 422 && notHeld.text.contains(#""field":"current_role""#))
            // A fresh sign-in keeps the chosen hat.
            let signedIn = try #require(try await auth.signIn(applicant.email).string("access_token"))
            #expect(try AuthFixture.roles(of: signedIn) == ["investor", "sponsor", "developer"])
        }
    }

    @Test func aRejectionIsMailedWithItsReasonAndTheUserMayApplyAgain() async throws {
        try await AuthFixture.run { auth in
            let admin = try await auth.signedIn(role: "admin")
            var applicant = try await auth.signedIn()
            let id = try #require(
                try await auth.client.post("/v1/auth/sponsor-applications", sponsorApplication(), token: applicant.access).string("id"))
            let path = "/v1/auth/admin/sponsor-applications/\(id)/reject"
            let noReason = try await auth.client.post(path, #"{"reason":"  "}"#, token: admin.access)
            #expect(noReason.status == 422 && noReason.text.contains(#""field":"reason""#))
            let rejected = try await auth.client.post(path, #"{"reason":"Please add the EIN letter (CP 575)."}"#, token: admin.access)
            #expect(rejected.status == 200, "\(rejected.text)")
            #expect(rejected.string("status") == "rejected")
            #expect(rejected.string("rejection_reason") == "Please add the EIN letter (CP 575).")
            let mail = try #require(try await auth.lastMail(to: applicant.email))
            #expect(mail.template == "sponsor_application_rejected")
            #expect(mail.variables["reason"] == "Please add the EIN letter (CP 575).")
            // Still an investor only; a new application may be filed.
            #expect(try await auth.rolesAfterRefresh(&applicant) == ["investor"])
            #expect(try await auth.client.post("/v1/auth/sponsor-applications", sponsorApplication(), token: applicant.access).status == 201)
        }
    }

    @Test func hostileApplicationsAreRefusedNamingTheFieldAndNothingIsStored() async throws {
        try await AuthFixture.run { auth in
            let applicant = try await auth.signedIn()
            let cases: [(body: String, field: String)] = [
                (sponsorApplication(legalName: "Bad\\u0000Name"), "legal_name"),
                (sponsorApplication(legalName: ""), "legal_name"),
                (sponsorApplication(legalName: String(repeating: "x", count: 10_000)), "legal_name"),
                (sponsorApplication(taxID: "00-1234567"), "tax_id"),
                (sponsorApplication().replacingOccurrences(of: #""project_count":3"#, with: #""project_count":"three""#), "project_count"),
                (sponsorApplication().replacingOccurrences(of: #""project_count":3"#, with: #""project_count":1e400"#), "project_count"),
                (sponsorApplication().replacingOccurrences(of: #""project_count":3"#, with: #""project_count":-1"#), "project_count"),
                (sponsorApplication().replacingOccurrences(of: "https://riverside.example", with: "javascript:alert(1)"), "website"),
                (sponsorApplication().replacingOccurrences(of: #"["Detroit, MI","Cleveland, OH"]"#, with: #"[""]"#), "markets"),
                (sponsorApplication().replacingOccurrences(of: #""title":"Managing partner","#, with: ""), "title"),
            ]
            for (body, field) in cases {
                let reply = try await auth.client.post("/v1/auth/sponsor-applications", body, token: applicant.access)
                #expect((400..<500).contains(reply.status), "\(field): \(reply.text)")
                #expect(reply.headers.first(name: "Content-Type") == "application/problem+json")
                #expect(reply.text.contains(#""field":"\#(field)""#), "\(field): \(reply.text)")
            }
            #expect(try await auth.client.post("/v1/auth/sponsor-applications", sponsorApplication()).status == 401)
            #expect(try await auth.count("SELECT count(*) FROM auth.sponsor_applications") == 0)
            // Another user's application is not theirs to decide, and ids that are not UUIDs are 404.
            let other = try await auth.signedIn()
            let id = try #require(
                try await auth.client.post("/v1/auth/sponsor-applications", sponsorApplication(), token: other.access).string("id"))
            #expect(
                try await auth.client.post("/v1/auth/admin/sponsor-applications/\(id)/reject", #"{"reason":"x"}"#, token: applicant.access).status
                    == 403)
            #expect(try await auth.client.get("/v1/auth/sponsor-applications", token: applicant.access).json["data"]?[0] == nil)
            let admin = try await auth.signedIn(role: "admin")
            #expect(try await auth.client.post("/v1/auth/admin/sponsor-applications/nope/approve", "", token: admin.access).status == 404)
        }
    }
}
