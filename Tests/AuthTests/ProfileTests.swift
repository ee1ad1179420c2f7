import AuthService
import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import AuthService

/// Profiles (seed 001 §2.2, issue 16): the owner's round trip, PATCH semantics, per-field
/// visibility as anonymous, signed-in and owning callers see it, and hostile input.
@Suite struct ProfileTests {
    static let full = """
        {"slug": "ann-capital", "headline": "OZ fund manager", "bio": "Twenty years in multifamily.\\nBased in Austin.",
         "company": "Ann Capital", "position": "Managing partner", "location_city": "Austin", "location_state": "TX",
         "location_country": "US", "timezone": "America/Chicago", "website_url": "https://ann.example.com",
         "linkedin_url": "https://www.linkedin.com/in/ann", "property_types": ["multi_family", "mixed_use"],
         "markets": ["Austin, TX", "Dallas, TX"], "check_size_min": "25000", "check_size_max": "250000.50",
         "risk_tolerance": "moderate",
         "visibility": {"name": "public", "headline": "public", "company": "public", "bio": "signed_in",
                        "investment_preferences": "signed_in"}}
        """

    /// The profile as its owner reads it after `full`, without `user_id` and `updated_at`.
    static let fullAsStored: JSONValue = [
        "slug": "ann-capital", "headline": "OZ fund manager", "bio": "Twenty years in multifamily.\nBased in Austin.",
        "company": "Ann Capital", "position": "Managing partner", "location_city": "Austin", "location_state": "TX",
        "location_country": "US", "timezone": "America/Chicago", "website_url": "https://ann.example.com",
        "linkedin_url": "https://www.linkedin.com/in/ann", "property_types": ["multi_family", "mixed_use"],
        "markets": ["Austin, TX", "Dallas, TX"], "check_size_min": "25000.00", "check_size_max": "250000.50",
        "risk_tolerance": "moderate",
        "visibility": ["name": "public", "headline": "public", "company": "public", "bio": "signed_in", "investment_preferences": "signed_in"],
    ]

    /// A reply without the keys that differ per run.
    static func stable(_ value: JSONValue, dropping keys: Set<String> = ["user_id", "updated_at"]) -> JSONValue {
        guard case .object(let object) = value else { return value }
        return .object(object.filter { !keys.contains($0.key) })
    }

    @Test func theOwnerWritesReadsAndClearsTheirProfile() async throws {
        try await AuthFixture.run { auth in
            let email = try await auth.verifiedUser()
            let token = try await auth.accessToken(email)
            let userID = try #require(try await auth.sql("SELECT id::text FROM auth.users WHERE email = '\(email)'").first)

            // Nothing written yet: every field null, the account's time zone, nothing visible.
            let empty = try await auth.client.get("/v1/auth/me/profile", token: token)
            #expect(empty.status == 200, "\(empty.text)")
            #expect(
                empty.json
                    == [
                        "user_id": .string(userID), "slug": nil, "headline": nil, "bio": nil, "company": nil, "position": nil,
                        "location_city": nil, "location_state": nil, "location_country": nil, "timezone": "UTC", "website_url": nil,
                        "linkedin_url": nil, "property_types": nil, "markets": nil, "check_size_min": nil, "check_size_max": nil,
                        "risk_tolerance": nil, "visibility": [:], "updated_at": nil,
                    ])

            let saved = try await auth.client.send(.PATCH, "/v1/auth/me/profile", json: Self.full, token: token)
            #expect(saved.status == 200, "\(saved.text)")
            #expect(Self.stable(saved.json) == Self.fullAsStored)
            #expect(saved.string("user_id") == userID)
            #expect(saved.string("updated_at")?.hasSuffix("Z") == true)
            #expect(Self.stable(try await auth.client.get("/v1/auth/me/profile", token: token).json) == Self.fullAsStored)
            // The time zone is the account's: /v1/auth/me shows the same.
            #expect(try await auth.client.get("/v1/auth/me", token: token).string("timezone") == "America/Chicago")

            // Absent keys stay, null clears, visibility changes only the groups named.
            let patched = try await auth.client.send(
                .PATCH, "/v1/auth/me/profile",
                json: #"{"headline": null, "markets": null, "check_size_max": "300000", "visibility": {"bio": "public", "company": "private"}}"#,
                token: token)
            #expect(patched.status == 200, "\(patched.text)")
            guard case .object(var expected) = Self.fullAsStored else { return }
            expected["headline"] = .null
            expected["markets"] = .null
            expected["check_size_max"] = "300000.00"
            expected["visibility"] = [
                "name": "public", "headline": "public", "company": "private", "bio": "public", "investment_preferences": "signed_in",
            ]
            #expect(Self.stable(patched.json) == .object(expected))
            #expect(Self.stable(try await auth.client.get("/v1/auth/me/profile", token: token).json) == .object(expected))
            #expect(try await auth.count("SELECT count(*) FROM auth.profiles") == 1)
            // Each change of who sees what is in the audit log, with the levels only.
            #expect(
                try await auth.sql(
                    "SELECT concat_ws('|', action, actor_kind, target_kind, before::text, after::text) FROM auth.audit_log ORDER BY id"
                ) == [
                    #"profile.visibility_changed|user|user|{}|{"bio": "signed_in", "name": "public", "company": "public", "headline": "public", "investment_preferences": "signed_in"}"#,
                    #"profile.visibility_changed|user|user|{"bio": "signed_in", "name": "public", "company": "public", "headline": "public", "investment_preferences": "signed_in"}|{"bio": "public", "name": "public", "company": "private", "headline": "public", "investment_preferences": "signed_in"}"#,
                ])

            // No token, no profile; a service token is not a user.
            #expect(try await auth.client.get("/v1/auth/me/profile").status == 401)
            #expect(try await auth.client.get("/v1/auth/me/profile", token: try await auth.serviceToken(.investments)).status == 403)
        }
    }

    @Test func eachCallerSeesOnlyTheFieldsOpenedToThem() async throws {
        try await AuthFixture.run { auth in
            let sponsorEmail = try await auth.verifiedUser()
            let sponsorID = try #require(try await auth.sql("SELECT id::text FROM auth.users WHERE email = '\(sponsorEmail)'").first)
            try await auth.sql("UPDATE auth.users SET account_role = 'sponsor', first_name = 'Ann', last_name = 'Lee' WHERE id = '\(sponsorID)'")
            let sponsor = try await auth.accessToken(sponsorEmail)
            #expect(try await auth.client.send(.PATCH, "/v1/auth/me/profile", json: Self.full, token: sponsor).status == 200)
            let other = try await auth.accessToken(try await auth.verifiedUser())

            // Anonymous: the public groups only (name, headline, company), by slug and by id alike.
            let anonymous: JSONValue = [
                "user_id": .string(sponsorID), "slug": "ann-capital", "first_name": "Ann", "last_name": "Lee",
                "headline": "OZ fund manager", "company": "Ann Capital",
            ]
            #expect(try await auth.client.get("/v1/auth/profiles/ann-capital").json == anonymous)
            #expect(try await auth.client.get("/v1/auth/profiles/ANN-Capital").json == anonymous)
            #expect(try await auth.client.get("/v1/auth/profiles/\(sponsorID)").json == anonymous)
            #expect(try await auth.client.get("/v1/auth/profiles/\(sponsorID.uppercased())").json == anonymous)

            // Signed in: public and signed_in groups (bio, investment preferences too).
            guard case .object(var signedIn) = anonymous else { return }
            signedIn["bio"] = "Twenty years in multifamily.\nBased in Austin."
            signedIn["property_types"] = ["multi_family", "mixed_use"]
            signedIn["markets"] = ["Austin, TX", "Dallas, TX"]
            signedIn["check_size_min"] = "25000.00"
            signedIn["check_size_max"] = "250000.50"
            signedIn["risk_tolerance"] = "moderate"
            #expect(try await auth.client.get("/v1/auth/profiles/ann-capital", token: other).json == .object(signedIn))

            // The owner: every group, hidden or not, with null where nothing is set.
            let own = try await auth.client.get("/v1/auth/profiles/ann-capital", token: sponsor)
            #expect(own.status == 200)
            #expect(own["position"] == "Managing partner")
            #expect(own["location_city"] == "Austin")
            #expect(own["website_url"] == "https://ann.example.com")
            #expect(own["avatar_url"] == .null)
            #expect(own["visibility"] == nil)

            // A bad token is refused, never read as anonymous.
            #expect(try await auth.client.get("/v1/auth/profiles/ann-capital", token: "not.a.token").status == 401)
            // Unknown pages, and pages of suspended accounts, are 404.
            #expect(try await auth.client.get("/v1/auth/profiles/nobody-here").status == 404)
            #expect(try await auth.client.get("/v1/auth/profiles/\(UUID().uuidString)").status == 404)
            #expect(try await auth.client.get("/v1/auth/profiles/\(String(repeating: "a", count: 10_000))").status == 404)
            try await auth.sql("UPDATE auth.users SET status = 'suspended' WHERE id = '\(sponsorID)'")
            #expect(try await auth.client.get("/v1/auth/profiles/ann-capital", token: other).status == 404)
        }
    }

    /// Investors and developers have no public page: 404 to anonymous callers whatever they
    /// opened; signed-in members see what the owner opened to them, and 404 when nothing is.
    @Test func nonSponsorsHaveNoPublicPage() async throws {
        try await AuthFixture.run { auth in
            let investorEmail = try await auth.verifiedUser()
            let investorID = try #require(try await auth.sql("SELECT id::text FROM auth.users WHERE email = '\(investorEmail)'").first)
            let investor = try await auth.accessToken(investorEmail)
            let other = try await auth.accessToken(try await auth.verifiedUser())

            // Nothing opened: 404 to everyone but the owner, as for no account at all.
            #expect(
                try await auth.client.send(
                    .PATCH, "/v1/auth/me/profile", json: #"{"slug": "quiet-investor", "headline": "Private"}"#, token: investor
                )
                .status == 200)
            #expect(try await auth.client.get("/v1/auth/profiles/quiet-investor").status == 404)
            #expect(try await auth.client.get("/v1/auth/profiles/quiet-investor", token: other).status == 404)
            #expect(try await auth.client.get("/v1/auth/profiles/\(investorID)", token: other).status == 404)
            #expect(try await auth.client.get("/v1/auth/profiles/quiet-investor", token: investor)["headline"] == "Private")

            // Opened to everyone: still no page for anonymous callers; members see it.
            #expect(
                try await auth.client.send(.PATCH, "/v1/auth/me/profile", json: #"{"visibility": {"headline": "public"}}"#, token: investor)
                    .status == 200)
            #expect(try await auth.client.get("/v1/auth/profiles/quiet-investor").status == 404)
            #expect(
                try await auth.client.get("/v1/auth/profiles/quiet-investor", token: other).json
                    == ["user_id": .string(investorID), "slug": "quiet-investor", "headline": "Private"])
        }
    }

    @Test func hostileInputIsRefusedByFieldAndNothingIsLost() async throws {
        try await AuthFixture.run { auth in
            let token = try await auth.accessToken(try await auth.verifiedUser())
            #expect(try await auth.client.send(.PATCH, "/v1/auth/me/profile", json: Self.full, token: token).status == 200)
            let before = Self.stable(try await auth.client.get("/v1/auth/me/profile", token: token).json)
            let long = String(repeating: "x", count: 10_000)

            let cases: [(body: String, field: String)] = [
                (#"{"headline": "a\u0000b"}"#, "headline"),
                (#"{"headline": 5}"#, "headline"),
                (#"{"headline": ""}"#, "headline"),
                (#"{"headline": "   "}"#, "headline"),
                (#"{"headline": "\#(long)"}"#, "headline"),
                (#"{"headline": "two\nlines"}"#, "headline"),
                (#"{"bio": "\#(long)"}"#, "bio"),
                (#"{"bio": "bell\u0007"}"#, "bio"),
                (#"{"company": ["Ann"]}"#, "company"),
                (#"{"website_url": "javascript:alert(1)"}"#, "website_url"),
                (#"{"website_url": "http://ann.example.com"}"#, "website_url"),
                (#"{"website_url": "https://user:pass@ann.example.com"}"#, "website_url"),
                (#"{"website_url": "https://\#(long).com"}"#, "website_url"),
                (#"{"linkedin_url": "https://evil.example.com/in/ann"}"#, "linkedin_url"),
                (#"{"linkedin_url": "https://linkedin.com.evil.example/in/ann"}"#, "linkedin_url"),
                (#"{"check_size_min": 1e400}"#, "check_size_min"),
                (#"{"check_size_min": "1e400"}"#, "check_size_min"),
                (#"{"check_size_min": 25000}"#, "check_size_min"),
                (#"{"check_size_max": "99999999999999999.00"}"#, "check_size_max"),
                (#"{"check_size_min": "-1"}"#, "check_size_min"),
                (#"{"check_size_min": "300000"}"#, "check_size_min"),
                (#"{"check_size_max": "100"}"#, "check_size_min"),
                (#"{"risk_tolerance": "yolo"}"#, "risk_tolerance"),
                (#"{"property_types": ["castle"]}"#, "property_types"),
                (#"{"property_types": ["land", "land"]}"#, "property_types"),
                (#"{"property_types": "land"}"#, "property_types"),
                (#"{"markets": [\#(Array(repeating: "\"A\"", count: 21).joined(separator: ","))]}"#, "markets"),
                (#"{"markets": [""]}"#, "markets"),
                (#"{"timezone": "Nowhere/Land"}"#, "timezone"),
                (#"{"timezone": null}"#, "timezone"),
                (#"{"slug": "ab"}"#, "slug"),
                (#"{"slug": "Ann Capital"}"#, "slug"),
                (#"{"slug": "0190c1a0-0000-7000-8000-00000000000a"}"#, "slug"),
                (#"{"visibility": {"email": "public"}}"#, "visibility.email"),
                (#"{"visibility": {"bio": "everyone"}}"#, "visibility.bio"),
                (#"{"visibility": null}"#, "visibility"),
                (#"{"user_id": "0190c1a0-0000-7000-8000-00000000000a"}"#, "user_id"),
                (#"{"first_name": "Mallory"}"#, "first_name"),
                (#"[]"#, "body"),
            ]
            for (body, field) in cases {
                let reply = try await auth.client.send(.PATCH, "/v1/auth/me/profile", json: body, token: token)
                #expect(reply.status == 422, "\(body.prefix(80)): \(reply.status) \(reply.text.prefix(300))")
                #expect(reply.headers.first(name: "Content-Type")?.hasPrefix("application/problem+json") == true)
                var fields: [JSONValue?] = []
                if case .array(let errors)? = reply["errors"] { fields = errors.map { $0["field"] } }
                #expect(fields.contains(.string(field)), "\(body.prefix(80)): \(reply.text.prefix(300))")
            }
            #expect(try await auth.client.send(.PATCH, "/v1/auth/me/profile", json: "{", token: token).status == 400)

            // Another user's slug is theirs: 409, and their page is unchanged.
            let other = try await auth.accessToken(try await auth.verifiedUser())
            let taken = try await auth.client.send(.PATCH, "/v1/auth/me/profile", json: #"{"slug": "ann-capital"}"#, token: other)
            #expect(taken.status == 409, "\(taken.text)")

            // Nothing was lost or half written.
            #expect(Self.stable(try await auth.client.get("/v1/auth/me/profile", token: token).json) == before)
            #expect(try await auth.client.get("/v1/auth/me/profile", token: other)["slug"] == .null)
        }
    }

    @Test(arguments: [
        ("https://www.linkedin.com/in/ann", true),
        ("https://linkedin.com/in/ann", true),
        ("https://LinkedIn.com/in/ann", true),
        ("https://notlinkedin.com/in/ann", false),
        ("HTTPS://www.linkedin.com/in/ann", true),
        ("https://www.linkedin.com/in/ann lee", false),
        ("data:text/html,hi", false),
    ])
    func linkedInLinks(url: String, accepted: Bool) {
        var errors = FieldErrors()
        errors.httpsURL("linkedin_url", url, max: 200, hosts: ["linkedin.com"])
        #expect(errors.isEmpty == accepted, "\(errors.all)")
    }

    @Test func visibilityRules() {
        let owner = UUID()
        let member = ProfileVisibility.Viewer.signedIn(UUID())
        let levels = ["headline": "public", "bio": "signed_in", "company": "private"]
        #expect(ProfileVisibility.visibleGroups(owner: owner, isSponsor: true, levels: levels, viewer: .anonymous) == ["headline"])
        #expect(ProfileVisibility.visibleGroups(owner: owner, isSponsor: true, levels: levels, viewer: member) == ["headline", "bio"])
        #expect(ProfileVisibility.visibleGroups(owner: owner, isSponsor: true, levels: [:], viewer: .anonymous) == [])
        #expect(ProfileVisibility.visibleGroups(owner: owner, isSponsor: false, levels: levels, viewer: .anonymous) == nil)
        #expect(ProfileVisibility.visibleGroups(owner: owner, isSponsor: false, levels: levels, viewer: member) == ["headline", "bio"])
        #expect(ProfileVisibility.visibleGroups(owner: owner, isSponsor: false, levels: ["bio": "private"], viewer: member) == nil)
        #expect(
            ProfileVisibility.visibleGroups(owner: owner, isSponsor: false, levels: [:], viewer: .signedIn(owner))
                == Set(ProfileVisibility.groups.keys))
    }
}
