import AuthService
import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

/// The data export's routes in auth alone (the gathering from all five services is
/// SystemTests/DataExportJourneyTests): owner only, one pending export at a time, 409 until ready,
/// 410 once expired, limited per user, step-up for a user with a second factor.
@Suite struct DataExportTests {
    @Test func anExportIsTheOwnersAloneAndAnswersByItsState() async throws {
        try await AuthFixture.run { auth in
            let ann = try #require(try await auth.signIn(try await auth.verifiedUser()).string("access_token"))
            let bob = try #require(try await auth.signIn(try await auth.verifiedUser()).string("access_token"))
            let asked = try await auth.client.post("/v1/auth/me/export", "", token: ann)
            #expect(asked.status == 202, "\(asked.text)")
            #expect(asked.string("status") == "pending")
            let id = try #require(asked.string("id"))
            // While it is pending, asking again is the same export.
            #expect(try await auth.client.post("/v1/auth/me/export", "", token: ann).string("id") == id)
            #expect(try await auth.count("SELECT count(*) FROM auth.data_exports") == 1)
            // The request is in the audit log once (issue 16: export is a security-relevant action).
            #expect(
                try await auth.count("SELECT count(*) FROM auth.audit_log WHERE action = 'data_export.requested' AND target = lower('\(id)')") == 1)

            // Bob cannot see it or download it, and cannot tell it exists.
            let bobs = try await auth.client.get("/v1/auth/me/exports/\(id)", token: bob)
            #expect(bobs.status == 404 && bobs.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(try await auth.client.get("/v1/auth/me/exports/\(id)/download", token: bob).status == 404)
            #expect(try await auth.client.get("/v1/auth/me/exports/\(UUID())", token: ann).status == 404)
            #expect(try await auth.client.get("/v1/auth/me/exports/not-a-uuid", token: ann).status == 404)
            #expect(try await auth.client.get("/v1/auth/me/exports/\(id)").status == 401)
            #expect(try await auth.client.post("/v1/auth/me/export", "").status == 401)
            #expect(try await auth.client.post("/v1/auth/me/export", "", token: try await auth.serviceToken(.investments)).status == 401)

            // Pending (no peers in this test, so it cannot complete): not downloadable yet.
            let early = try await auth.client.get("/v1/auth/me/exports/\(id)/download", token: ann)
            #expect(early.status == 409, "\(early.text)")

            // Expired: the status says so and the download is gone.
            try await auth.sql(
                """
                UPDATE auth.data_exports SET status = 'ready', completed_at = now() - interval '8 days',
                    expires_at = now() - interval '1 day', size_bytes = 10 WHERE id = '\(id)'
                """)
            let expired = try await auth.client.get("/v1/auth/me/exports/\(id)", token: ann)
            #expect(expired.string("status") == "expired", "\(expired.text)")
            #expect(expired["download_url"] == nil)
            let gone = try await auth.client.get("/v1/auth/me/exports/\(id)/download", token: ann)
            #expect(gone.status == 410 && gone.headers.first(name: "Content-Type") == "application/problem+json", "\(gone.text)")
        }
    }

    @Test func askingIsLimitedPerUser() async throws {
        var settings = AuthFixture.settings()
        settings.privacy.exportsPerUser = TokenBucket(2, per: .seconds(86400))
        try await AuthFixture.run(settings: settings) { auth in
            let ann = try #require(try await auth.signIn(try await auth.verifiedUser()).string("access_token"))
            #expect(try await auth.client.post("/v1/auth/me/export", "", token: ann).status == 202)
            #expect(try await auth.client.post("/v1/auth/me/export", "", token: ann).status == 202)
            let limited = try await auth.client.post("/v1/auth/me/export", "", token: ann)
            #expect(limited.status == 429, "\(limited.text)")
            #expect(limited.headers.first(name: "Retry-After") != nil)
            // Another user is not held back by Ann's asking.
            let bob = try #require(try await auth.signIn(try await auth.verifiedUser()).string("access_token"))
            #expect(try await auth.client.post("/v1/auth/me/export", "", token: bob).status == 202)
        }
    }

    @Test func aUserWithASecondFactorStepsUpToAskAndToDownload() async throws {
        let clock = SteppingClock()
        try await AuthFixture.run(clock: clock.clock) { auth in
            let user = try await auth.enrolledUser(clock: clock)
            try await auth.sql("UPDATE auth.sessions SET mfa_at = now() - interval '1 hour'")
            let stale = try #require(try await auth.refresh(user.refreshToken).string("access_token"))
            let refused = try await auth.client.post("/v1/auth/me/export", "", token: stale)
            #expect(refused.status == 401 && refused.string("type") == "https://tract.dev/problems/step-up-required", "\(refused.text)")
            #expect(try await auth.count("SELECT count(*) FROM auth.data_exports") == 0)
            // A fresh second factor: allowed.
            #expect(try await auth.client.post("/v1/auth/me/export", "", token: user.accessToken).status == 202)
        }
    }
}
