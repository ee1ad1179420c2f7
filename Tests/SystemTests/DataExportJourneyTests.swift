import Foundation
import Models
import NIOHTTP1
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

/// Issue 16's acceptance for the data export: a user with data in every service asks for their
/// export and gets one document holding their rows from all five, gathered by auth from each
/// service's internal export route; nobody else can see or download it; a service that is down
/// holds the export back until it is up (the gatherer retries).
@Suite(.serialized) struct DataExportJourneyTests {
    static let environment = ["DATA_EXPORT_POLL_SECONDS": "1", "DATA_EXPORT_RETRY_SECONDS": "1"]

    @Test func anExportHoldsTheUsersRowsFromAllFiveServicesAndOnlyTheOwnerGetsIt() async throws {
        try await RunningSuite.with(ServiceName.allCases, environment: Self.environment) { suite in
            let tag = UUID().uuidString.prefix(6).lowercased()
            let (id, token) = try await Self.signedUpUser(suite, email: "export.\(tag)@example.com", name: "Esme\(tag)")
            // Postgres renders uuids in lower case; the API in upper.
            let user = id.lowercased()
            let (_, other) = try await Self.signedUpUser(suite, email: "other.\(tag)@example.com", name: "Otto\(tag)")

            // Data in each service: an OZ check (properties), an investor profile (investments),
            // community membership (communications), an event (analytics, besides what it heard).
            let check = try await SystemClient.send(
                .POST, "\(suite.properties)/v1/oz/check", #"{"tract_geoid":"01001020700","save":true}"#, token: token)
            #expect(check.status == 200, "\(check.text)")
            let profile = try await SystemClient.send(
                .PUT, "\(suite.investments)/v1/investor-profile",
                #"{"cap_gain_or_not": true, "size_of_cap_gain": "250000.00", "time_of_cap_gain": "2026-08-01", "tax_bracket": 0.238}"#,
                token: token)
            #expect(profile.status == 201, "\(profile.text)")
            let joined = try await SystemClient.send(.POST, "\(suite.communications)/v1/communications/community/membership", token: token)
            #expect(joined.status == 201, "\(joined.text)")
            let event = try await SystemClient.send(
                .POST, "\(suite.urls[.analytics]!)/v1/analytics/events", #"{"name":"listing_viewed","properties":{"tag":"\#(tag)"}}"#,
                token: token)
            #expect((200..<300).contains(event.status), "\(event.text)")

            let asked = try await SystemClient.send(.POST, "\(suite.auth)/v1/auth/me/export", token: token)
            #expect(asked.status == 202, "\(asked.text)")
            let exportID = try #require(asked.string("id"))
            #expect(asked.headers.first(name: "Location") == "/v1/auth/me/exports/\(exportID.lowercased())")
            // Asking again while it is gathered answers the same export.
            let again = try await SystemClient.send(.POST, "\(suite.auth)/v1/auth/me/export", token: token)
            #expect(again.string("id") == exportID || again.string("status") == nil, "\(again.text)")

            let ready = try await eventually(timeout: .seconds(60), interval: .milliseconds(250)) {
                (try? await SystemClient.send(.GET, "\(suite.auth)/v1/auth/me/exports/\(exportID)", token: token))?.string("status") == "ready"
            }
            try #require(ready, "the export became ready")
            let download = try await SystemClient.send(.GET, "\(suite.auth)/v1/auth/me/exports/\(exportID)/download", token: token)
            #expect(download.status == 200)
            #expect(download.headers.first(name: "Content-Disposition")?.contains("attachment") == true)
            #expect(download.headers.first(name: "Cache-Control") == "private, no-store")
            let archive = try JSONDecoder().decode(JSONValue.self, from: Data(download.text.utf8))
            #expect(archive["format"] == .string("tract-data-export/1"))
            #expect(archive["user_id"] == .string(id))
            func rows(_ service: String, _ table: String) -> [JSONValue] {
                if case .array(let rows)? = archive["services"]?[service]?[table] { return rows }
                return []
            }
            #expect(rows("auth", "auth.users").first?["email"] == .string("export.\(tag)@example.com"))
            #expect(rows("auth", "auth.users").first?["password_hash"] == nil, "no password hash in an export")
            #expect(rows("auth", "auth.consents").first?["version"] == .string("2026-12"))
            #expect(rows("properties", "properties.developer_profiles").first?["user_id"] == .string(user))
            #expect(rows("investments", "investments.investor_profiles").first?["user_id"] == .string(user))
            #expect(rows("communications", "communications.community_members").first?["user_id"] == .string(user))
            #expect(rows("analytics", "analytics.events").contains { $0["name"] == .string("listing_viewed") })
            // Nothing of the other user's.
            #expect(!download.text.contains("other.\(tag)@example.com"))

            // Every table of every service with a column that names a user is in the export (each
            // service's `*PersonalData.swift`): a new table with a user id fails here until listed.
            var listed: Set<String> = []
            if case .object(let services)? = archive["services"] {
                for case .object(let tables) in services.values { listed.formUnion(tables.keys) }
            }
            // The audit log names pseudonyms, never users (the mapping, auth.audit_subjects, is exported).
            let withUserColumns = try await Self.tablesNamingUsers(suite).subtracting(["auth.audit_log"])
            #expect(withUserColumns.subtracting(listed).isEmpty, "not in any export list: \(withUserColumns.subtracting(listed).sorted())")
            #expect(
                listed.isSuperset(of: [
                    "auth.users", "properties.developer_profiles", "media.documents", "investments.investments",
                    "financials.rent_roll", "communications.messages", "analytics.events",
                ]))

            // Only its owner: another user gets 404 for the status and the download alike.
            #expect(try await SystemClient.send(.GET, "\(suite.auth)/v1/auth/me/exports/\(exportID)", token: other).status == 404)
            #expect(try await SystemClient.send(.GET, "\(suite.auth)/v1/auth/me/exports/\(exportID)/download", token: other).status == 404)
            #expect(try await SystemClient.send(.GET, "\(suite.auth)/v1/auth/me/exports/\(exportID)/download").status == 401)
            // The internal route is for auth's service token only: a user's token is refused.
            #expect(try await SystemClient.send(.GET, "\(suite.investments)/internal/v1/users/\(user)/export", token: token).status == 403)

            // At rest the archive is sealed: the stored bytes do not hold the address.
            let plain = try await suite.count(
                "SELECT count(*) FROM auth.data_export_archives WHERE position(convert_to('export.\(tag)', 'UTF8') in sealed) > 0")
            #expect(plain == 0)
        }
    }

    /// A service that is down fails the attempt; the export stays pending (it is retried) and
    /// says why, never a partial archive.
    @Test func aServiceThatIsDownHoldsTheExportBack() async throws {
        try await RunningSuite.with([.auth, .communications], environment: Self.environment) { suite in
            let (_, token) = try await Self.signedUpUser(suite, email: "down.\(UUID().uuidString.prefix(6).lowercased())@example.com", name: nil)
            let asked = try await SystemClient.send(.POST, "\(suite.auth)/v1/auth/me/export", token: token)
            let exportID = try #require(asked.string("id"))
            let tried = try await eventually(timeout: .seconds(30), interval: .milliseconds(250)) {
                (try? await suite.count("SELECT attempts FROM auth.data_exports WHERE id = '\(exportID)'")) ?? 0 >= 2
            }
            #expect(tried, "the gatherer tried more than once")
            let status = try await SystemClient.send(.GET, "\(suite.auth)/v1/auth/me/exports/\(exportID)", token: token)
            #expect(status.string("status") == "pending", "\(status.text)")
            #expect(try await suite.count("SELECT count(*) FROM auth.data_export_archives") == 0)
            #expect(try await SystemClient.send(.GET, "\(suite.auth)/v1/auth/me/exports/\(exportID)/download", token: token).status == 409)
            let reason = try await suite.count(
                "SELECT count(*) FROM auth.data_exports WHERE id = '\(exportID)' AND last_error LIKE 'properties: unreachable%'")
            #expect(reason == 1)
        }
    }

    /// Columns that name a user across the suite's schemas (partitions and the kit's bookkeeping
    /// tables aside): the tables a data export must read.
    static let userColumns = [
        "user_id", "investor_id", "sponsor_id", "owner_id", "recipient_id", "sender_id", "requester_id", "addressee_id", "signer_id",
        "uploaded_by", "created_by", "recorded_by", "attached_by", "shared_by", "shared_with", "host_id", "blocker_id", "to_user",
        "reviewed_by", "actor", "invited_by", "decided_by",
    ]

    static func tablesNamingUsers(_ suite: RunningSuite) async throws -> Set<String> {
        let schemas = ServiceName.allCases.flatMap(\.schemas).map { "'\($0)'" }.joined(separator: ",")
        let names = Self.userColumns.map { "'\($0)'" }.joined(separator: ",")
        return try await TestDatabase.withAdmin(database: suite.database.name) { admin in
            var tables: Set<String> = []
            let rows = try await admin.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT DISTINCT n.nspname || '.' || c.relname FROM pg_attribute a
                        JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND NOT a.attisdropped
                          AND n.nspname IN (\(schemas)) AND a.attname IN (\(names))
                        """))
            for try await name in rows.decode(String.self) { tables.insert(name) }
            return tables
        }
    }

    /// Signs up through auth with a terms version, verifies by the mailed link, signs in.
    static func signedUpUser(_ suite: RunningSuite, email: String, name: String?) async throws -> (id: String, token: String) {
        let password = "an export journey passphrase"
        let signUp = try await SystemClient.send(
            .POST, "\(suite.auth)/v1/auth/signup", #"{"email":"\#(email)","password":"\#(password)","terms_version":"2026-12"}"#)
        try #require(signUp.status == 202, "\(signUp.text)")
        let mail = try await suite.sink.waitForMessage(to: email, timeout: .seconds(30))
        let verifyToken = try #require(SystemClient.token(in: mail.text ?? ""))
        try #require(try await SystemClient.send(.POST, "\(suite.auth)/v1/auth/verify-email", #"{"token":"\#(verifyToken)"}"#).status == 200)
        let token = try #require(try await SystemClient.signIn(suite, email, password).string("access_token"))
        let me = try await SystemClient.send(.PATCH, "\(suite.auth)/v1/auth/me", name.map { #"{"first_name":"\#($0)"}"# } ?? "{}", token: token)
        return (try #require(me.string("id")), token)
    }
}
