import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import PropertiesService

/// "Check if your development is in an OZ", signed in: the answer lands on the developer profile
/// and auth and analytics hear of it; the public check is limited per client address.
@Suite struct DeveloperProfileTests {
    @Test func savingACheckStartsAndUpdatesTheDeveloperProfile() async throws {
        try await PropertiesFixture.run { fixture in
            let userID = UUID()
            let token = try await fixture.token(.investor, user: userID)
            let anonymous = try await fixture.client.post("/v1/oz/check", #"{"tract_geoid":"01001020700","save":true}"#)
            #expect(anonymous.status == 401)
            #expect(try await fixture.client.get("/v1/oz/developer-profile", token: token).status == 404)

            let first = try await fixture.client.post("/v1/oz/check", #"{"tract_geoid":"01001020700","save":true}"#, token: token)
            #expect(first.status == 200)
            #expect(first["developer_profile"]?["oz_status"] == true)
            #expect(first["developer_profile"]?["geographical_zone"] == "Alabama")
            // No street address yet: the OZ status (40) and the state (20) are filled in.
            #expect(first["developer_profile"]?["profile_completion_score"] == 60)

            let second = try await fixture.client.post("/v1/oz/check", #"{"tract_geoid":"01001020100","save":true}"#, token: token)
            #expect(second["developer_profile"]?["oz_status"] == false)
            let profile = try await fixture.client.get("/v1/oz/developer-profile", token: token)
            #expect(profile.status == 200)
            #expect(profile.string("tract_geoid") == "01001020100")
            #expect(profile.string("user_id").flatMap(UUID.init(uuidString:)) == userID)

            // Each check tells auth (which makes the user a developer) and analytics; the profile is
            // created once. An unsaved check tells nobody.
            _ = try await fixture.client.post("/v1/oz/check", #"{"tract_geoid":"01001020700"}"#, token: token)
            #expect(try await fixture.events(for: "auth") == ["oz_check.completed", "developer_profile.created", "oz_check.completed"])
            #expect(try await fixture.events(for: "analytics") == ["oz_check.completed", "developer_profile.created", "oz_check.completed"])
        }
    }

    @Test func thePublicCheckIsLimitedPerClientAddress() async throws {
        var settings = PropertiesSettings(censusGeocoderURL: PropertiesFixture.noGeocoder)
        settings.ozChecksPerIP = TokenBucket(3, per: .seconds(60))
        try await PropertiesFixture.run(settings: settings) { fixture in
            for _ in 1...3 {
                #expect(try await fixture.client.post("/v1/oz/check", #"{"tract_geoid":"01001020700"}"#).status == 200)
            }
            let limited = try await fixture.client.post("/v1/oz/check", #"{"tract_geoid":"01001020700"}"#)
            #expect(limited.status == 429)
            #expect(Int(limited.headers.first(name: "Retry-After") ?? "") ?? 0 >= 1)
            #expect(limited.headers.first(name: "Content-Type") == "application/problem+json")
        }
    }
}
