import AuthService
import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

/// soft-webauthn's software authenticator (scripts/passkey-authenticator.py), its credential kept
/// in a temp file between calls, answering the options auth's routes return.
struct SoftPasskey: Sendable {
    let state = FileManager.default.temporaryDirectory.appendingPathComponent("tract-passkey-\(UUID().uuidString).json").path
    var origin = "http://localhost:8080"

    static var isConfigured: Bool { ProcessInfo.processInfo.environment["TRACT_PYTHON"] != nil }

    /// `navigator.credentials.create/get` with the route's `public_key` options; the credential JSON.
    func run(_ command: String, _ options: JSONValue?, flags: [String] = []) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: RepositoryScripts.python)
        process.arguments =
            [RepositoryScripts.root.appendingPathComponent("scripts/passkey-authenticator.py").path, command, self.state, self.origin]
            + flags
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(try JSONEncoder().encode(options ?? .null))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problems = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw AuthenticatorFailed(output: String(decoding: problems, as: UTF8.self)) }
        return String(decoding: data, as: UTF8.self)
    }

    func create(_ options: JSONValue?, flags: [String] = []) throws -> String { try self.run("create", options, flags: flags) }
    func get(_ options: JSONValue?, flags: [String] = []) throws -> String { try self.run("get", options, flags: flags) }

    func remove() { try? FileManager.default.removeItem(atPath: self.state) }
}

struct AuthenticatorFailed: Error {
    var output: String
}

extension AuthFixture {
    /// Signs `email` in with the password; the access token.
    func accessToken(_ email: String) async throws -> String {
        let reply = try await self.signIn(email)
        guard let token = reply.string("access_token") else { throw ServiceTokenRefused(reply: reply.text) }
        return token
    }

    /// Registers `device`'s credential on the signed-in account; the reply of the verify step.
    @discardableResult
    func registerPasskey(_ device: SoftPasskey, token: String, name: String = "Laptop", flags: [String] = []) async throws -> JSONClient.Reply {
        let options = try await self.client.post("/v1/auth/passkeys/registration/options", "{}", token: token)
        precondition(options.status == 200, options.text)
        var credential = try device.create(options["public_key"], flags: flags)
        credential.removeLast()
        credential += #","device_name":"\#(name)"}"#
        return try await self.client.post("/v1/auth/passkeys/registration/verify", credential, token: token)
    }

    /// A discoverable sign-in with `device`: options, the authenticator's answer, verify.
    func passkeySignIn(_ device: SoftPasskey, flags: [String] = []) async throws -> JSONClient.Reply {
        let options = try await self.client.post("/v1/auth/passkeys/authentication/options", "{}")
        precondition(options.status == 200, options.text)
        return try await self.client.post("/v1/auth/passkeys/authentication/verify", try device.get(options["public_key"], flags: flags))
    }
}

@Suite(.enabled(if: SoftPasskey.isConfigured, "needs soft-webauthn: set TRACT_PYTHON")) struct PasskeyCeremonyTests {
    @Test func registerThenSignInWithoutAnEmail() async throws {
        try await AuthFixture.run { auth in
            let email = try await auth.verifiedUser()
            let token = try await auth.accessToken(email)
            let device = SoftPasskey()
            defer { device.remove() }

            let options = try await auth.client.post("/v1/auth/passkeys/registration/options", "{}", token: token)
            #expect(options.status == 200)
            #expect(options.headers.first(name: "Cache-Control") == "no-store")
            let publicKey = try #require(options["public_key"])
            #expect(publicKey["rp"]?["id"] == .string("localhost"))
            #expect(publicKey["user"]?["name"] == .string(email))
            // The user handle is random, not the email or the account id.
            let handle = try #require(publicKey["user"]?["id"].flatMap { if case .string(let s) = $0 { s } else { nil } })
            #expect(handle.count == 43)
            #expect(publicKey["authenticatorSelection"]?["residentKey"] == .string("required"))
            #expect(publicKey["authenticatorSelection"]?["userVerification"] == .string("required"))
            var algorithms: Set<Double> = []
            if case .array(let parameters)? = publicKey["pubKeyCredParams"] {
                for parameter in parameters { if case .number(let alg)? = parameter["alg"] { algorithms.insert(alg) } }
            }
            #expect(algorithms == [-7, -8, -257])

            var credential = try device.create(publicKey)
            credential.removeLast()
            let added = try await auth.client.post(
                "/v1/auth/passkeys/registration/verify", credential + #","device_name":"Work laptop"}"#, token: token)
            #expect(added.status == 201, "\(added.text)")
            #expect(added.string("device_name") == "Work laptop")
            #expect(added.string("attestation_format") == "none")
            #expect(added["algorithm"] == .number(-7))

            // Nobody types an email: the credential names the account.
            let signedIn = try await auth.passkeySignIn(device)
            #expect(signedIn.status == 200, "\(signedIn.text)")
            let accessToken = try #require(signedIn.string("access_token"))
            #expect(signedIn.string("refresh_token") != nil)
            let me = try await auth.client.get("/v1/auth/me", token: accessToken)
            #expect(me.status == 200)
            #expect(me.string("email") == email)
            #expect(try await auth.sql("SELECT auth_method FROM auth.sessions ORDER BY created_at DESC LIMIT 1") == ["passkey"])
            #expect(try await auth.count("SELECT count(*) FROM auth.login_history WHERE event_type = 'passkey_added'") == 1)
            #expect(try await auth.sql("SELECT sign_count::text FROM auth.passkeys") == ["1"])
            #expect(try await auth.count("SELECT count(*) FROM auth.passkeys WHERE last_used_at IS NOT NULL") == 1)

            // The list shows it with its use.
            let list = try await auth.client.get("/v1/auth/passkeys", token: accessToken)
            #expect(list.status == 200)
            #expect(list["data"]?[0]?["device_name"] == .string("Work laptop"))
            #expect(list["data"]?[0]?["last_used_at"] != .null)

            // Registering again excludes the passkey the account has. (The passkey is now a second
            // factor, so this takes a token that proved one recently: step-up, part C.)
            let again = try await auth.client.post("/v1/auth/passkeys/registration/options", "{}", token: accessToken)
            #expect(again["public_key"]?["excludeCredentials"]?[0]?["id"] == .string(credentialID(credential + "}")))
        }
    }

    @Test func challengesAreSingleUseAndShortLived() async throws {
        try await AuthFixture.run { auth in
            let email = try await auth.verifiedUser()
            let device = SoftPasskey()
            defer { device.remove() }
            #expect(try await auth.registerPasskey(device, token: try await auth.accessToken(email)).status == 201)

            let options = try await auth.client.post("/v1/auth/passkeys/authentication/options", "{}")
            let answer = try device.get(options["public_key"])
            let signedIn = try await auth.client.post("/v1/auth/passkeys/authentication/verify", answer)
            #expect(signedIn.status == 200)
            let replayed = try await auth.client.post("/v1/auth/passkeys/authentication/verify", answer)
            #expect(replayed.status == 400)
            #expect(replayed.string("type") == "https://tract.dev/problems/invalid-challenge")

            let late = try await auth.client.post("/v1/auth/passkeys/authentication/options", "{}")
            try await auth.sql("UPDATE auth.passkey_challenges SET expires_at = now() - interval '1 second' WHERE used_at IS NULL")
            let expired = try await auth.client.post("/v1/auth/passkeys/authentication/verify", try device.get(late["public_key"]))
            #expect(expired.status == 400)
            #expect(expired.string("type") == "https://tract.dev/problems/invalid-challenge")

            // A registration challenge cannot be spent on a sign-in (bound to its ceremony).
            let registration = try await auth.client.post(
                "/v1/auth/passkeys/registration/options", "{}", token: try #require(signedIn.string("access_token")))
            let crossedOptions = JSONValue.object(["challenge": registration["public_key"]?["challenge"] ?? .null, "rpId": .string("localhost")])
            let crossed = try await auth.client.post("/v1/auth/passkeys/authentication/verify", try device.get(crossedOptions))
            #expect(crossed.status == 400)
            #expect(try await auth.count("SELECT count(*) FROM auth.sessions WHERE auth_method = 'passkey'") == 1)
        }
    }

    @Test func wrongOriginAndUnverifiedUserRefused() async throws {
        try await AuthFixture.run { auth in
            let email = try await auth.verifiedUser()
            let token = try await auth.accessToken(email)
            let device = SoftPasskey()
            defer { device.remove() }
            // soft-webauthn as shipped reports presence only: no PIN, not a passkey Tract accepts.
            let unverified = try await auth.registerPasskey(device, token: token, flags: ["--no-uv"])
            #expect(unverified.status == 400)
            #expect(unverified.string("detail")?.contains("verify the user") == true)
            #expect(try await auth.registerPasskey(device, token: token).status == 201)

            var phishing = device
            phishing.origin = "https://tract.example.evil"
            let wrongOrigin = try await auth.passkeySignIn(phishing)
            #expect(wrongOrigin.status == 401)
            #expect(wrongOrigin.string("type") == "https://tract.dev/problems/passkey-refused")
            #expect(
                try await auth.count(
                    "SELECT count(*) FROM auth.login_history WHERE event_type = 'sign_in_failed' AND failure_reason = 'passkey_origin_not_allowed'")
                    == 1)

            let noPIN = try await auth.passkeySignIn(device, flags: ["--no-uv"])
            #expect(noPIN.status == 401)
            #expect(try await auth.count("SELECT count(*) FROM auth.sessions WHERE auth_method = 'passkey'") == 0)
            #expect(try await auth.passkeySignIn(device).status == 200)
        }
    }

    @Test func signCountRegressionRefusedAndRecorded() async throws {
        try await AuthFixture.run { auth in
            let email = try await auth.verifiedUser()
            let device = SoftPasskey()
            defer { device.remove() }
            #expect(try await auth.registerPasskey(device, token: try await auth.accessToken(email)).status == 201)
            #expect(try await auth.passkeySignIn(device).status == 200)
            #expect(try await auth.passkeySignIn(device).status == 200)
            #expect(try await auth.sql("SELECT sign_count::text FROM auth.passkeys") == ["2"])

            // A clone of the authenticator, its counter behind: refused, recorded, passkey unchanged.
            let clone = try await auth.passkeySignIn(device, flags: ["--sign-count", "0"])
            #expect(clone.status == 403)
            #expect(clone.string("type") == "https://tract.dev/problems/passkey-sign-count-regressed")
            #expect(try await auth.sql("SELECT sign_count::text FROM auth.passkeys") == ["2"])
            let events = try await auth.sql(
                "SELECT failure_reason FROM auth.login_history WHERE event_type = 'passkey_sign_count_regressed' AND success = false")
            #expect(events.count == 1)
            #expect(events.first?.hasPrefix("sign count 1 after 2") == true)
        }
    }

    @Test func listRenameDeleteAndTheLastMethod() async throws {
        try await AuthFixture.run { auth in
            let ann = try await auth.verifiedUser()
            let bob = try await auth.verifiedUser()
            var annToken = try await auth.accessToken(ann)
            let bobToken = try await auth.accessToken(bob)
            var devices: [SoftPasskey] = []
            defer { for device in devices { device.remove() } }
            for name in ["Phone", "Laptop", "Key"] {
                let device = SoftPasskey()
                devices.append(device)
                #expect(try await auth.registerPasskey(device, token: annToken, name: name).status == 201)
                // Once Ann has a passkey it is her second factor: further passkeys (and removals)
                // need a token that proved one recently (step-up, part C), as a passkey sign-in does.
                if name == "Phone" { annToken = try #require(try await auth.passkeySignIn(device).string("access_token")) }
            }

            // Paged newest first.
            let first = try await auth.client.get("/v1/auth/passkeys?limit=2", token: annToken)
            #expect(first.status == 200)
            #expect(first["data"]?[0]?["device_name"] == .string("Key"))
            #expect(first["data"]?[1]?["device_name"] == .string("Laptop"))
            let cursor = try #require(first.string("next_cursor"))
            let second = try await auth.client.get("/v1/auth/passkeys?limit=2&cursor=\(cursor)", token: annToken)
            #expect(second["data"]?[0]?["device_name"] == .string("Phone"))
            #expect(second["next_cursor"] == .null)
            #expect(try await auth.client.get("/v1/auth/passkeys", token: bobToken)["data"] == .array([]))

            let keyID = try #require(first["data"]?[0]?["id"].flatMap { if case .string(let s) = $0 { s } else { nil } })
            let renamed = try await auth.client.send(.PATCH, "/v1/auth/passkeys/\(keyID)", json: #"{"device_name":"YubiKey 5"}"#, token: annToken)
            #expect(renamed.status == 200)
            #expect(renamed.string("device_name") == "YubiKey 5")
            for bad in [#"{"device_name":""}"#, #"{"device_name":"\#(String(repeating: "x", count: 101))"}"#, "{}"] {
                #expect(try await auth.client.send(.PATCH, "/v1/auth/passkeys/\(keyID)", json: bad, token: annToken).status == 422)
            }
            // Someone else's passkey does not exist for Bob.
            #expect(try await auth.client.send(.PATCH, "/v1/auth/passkeys/\(keyID)", json: #"{"device_name":"Mine"}"#, token: bobToken).status == 404)
            #expect(try await auth.client.send(.DELETE, "/v1/auth/passkeys/\(keyID)", token: bobToken).status == 404)
            #expect(try await auth.client.send(.DELETE, "/v1/auth/passkeys/not-a-uuid", token: annToken).status == 404)

            // Ann drops her password (a passkey-only account): passkeys go until one is left.
            try await auth.sql("UPDATE auth.users SET password_hash = NULL WHERE email = '\(ann)'")
            let ids = try await auth.sql("SELECT id::text FROM auth.passkeys ORDER BY created_at")
            #expect(try await auth.client.send(.DELETE, "/v1/auth/passkeys/\(ids[0])", token: annToken).status == 204)
            #expect(try await auth.client.send(.DELETE, "/v1/auth/passkeys/\(ids[1])", token: annToken).status == 204)
            let last = try await auth.client.send(.DELETE, "/v1/auth/passkeys/\(ids[2])", token: annToken)
            #expect(last.status == 409)
            #expect(last.string("type") == "https://tract.dev/problems/last-sign-in-method")
            #expect(try await auth.count("SELECT count(*) FROM auth.passkeys") == 1)
            #expect(try await auth.count("SELECT count(*) FROM auth.login_history WHERE event_type = 'passkey_removed'") == 2)
            // The deleted passkeys no longer sign in.
            #expect(try await auth.passkeySignIn(devices[0]).status == 401)
            #expect(try await auth.passkeySignIn(devices[2]).status == 200)
        }
    }

    @Test func sameCredentialTwiceIsAConflict() async throws {
        try await AuthFixture.run { auth in
            let ann = try await auth.verifiedUser()
            let bob = try await auth.verifiedUser()
            let device = SoftPasskey()
            defer { device.remove() }
            #expect(try await auth.registerPasskey(device, token: try await auth.accessToken(ann)).status == 201)
            let twice = try await auth.registerPasskey(device, token: try await auth.accessToken(bob), flags: ["--same-credential"])
            #expect(twice.status == 409)
            #expect(twice.string("type") == "https://tract.dev/problems/passkey-already-registered")
        }
    }

    /// Backup eligibility is fixed at registration (WebAuthn §7.2): an assertion that reports
    /// otherwise is not from the authenticator that registered the passkey.
    @Test func backupEligibilityMustNotChange() async throws {
        try await AuthFixture.run { auth in
            let ann = try await auth.verifiedUser()
            let device = SoftPasskey()
            defer { device.remove() }
            #expect(try await auth.registerPasskey(device, token: try await auth.accessToken(ann)).status == 201)
            #expect(try await auth.sql("SELECT backup_eligible::text FROM auth.passkeys") == ["false"])
            try await auth.sql("UPDATE auth.passkeys SET backup_eligible = true")
            #expect(try await auth.passkeySignIn(device).status == 401)
            #expect(
                try await auth.count("SELECT count(*) FROM auth.login_history WHERE failure_reason = 'passkey_backup_eligibility_changed'") == 1)
            try await auth.sql("UPDATE auth.passkeys SET backup_eligible = false")
            #expect(try await auth.passkeySignIn(device).status == 200)
        }
    }

    /// The user handle in an assertion must be the credential owner's.
    @Test func userHandleMustMatch() async throws {
        try await AuthFixture.run { auth in
            let ann = try await auth.verifiedUser()
            let device = SoftPasskey()
            defer { device.remove() }
            #expect(try await auth.registerPasskey(device, token: try await auth.accessToken(ann)).status == 201)
            let options = try await auth.client.post("/v1/auth/passkeys/authentication/options", "{}")
            let answer = try device.get(options["public_key"])
            let other = answer.replacingOccurrences(
                of: #""userHandle": "[^"]*""#, with: #""userHandle": "\#(String(repeating: "A", count: 43))""#, options: .regularExpression)
            #expect(other != answer)
            #expect(try await auth.client.post("/v1/auth/passkeys/authentication/verify", other).status == 401)
        }
    }
}

@Suite struct PasskeyHostileInputTests {
    @Test func hostileBodiesAreProblems() async throws {
        try await AuthFixture.run { auth in
            let email = try await auth.verifiedUser()
            let token = try await auth.accessToken(email)
            let verify = "/v1/auth/passkeys/authentication/verify"
            let clientData = Base64URLText.encode(#"{"type":"webauthn.get","challenge":"AAAA","origin":"http://localhost:8080"}"#)
            let bodies: [(String, Int)] = [
                ("not json", 400),
                ("{}", 422),
                (#"{"id":"AQID","rawId":"AQID","type":"public-key","response":{}}"#, 422),
                (
                    #"{"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"%%%","authenticatorData":"AA","signature":"AA"}}"#,
                    422
                ),
                (
                    #"{"id":"AQID","rawId":"AQIE","type":"public-key","response":{"clientDataJSON":"\#(clientData)","authenticatorData":"AA","signature":"AA"}}"#,
                    422
                ),
                (
                    #"{"id":"AQID","rawId":"AQID","type":"password","response":{"clientDataJSON":"\#(clientData)","authenticatorData":"AA","signature":"AA"}}"#,
                    422
                ),
                (
                    #"{"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA"}}"#,
                    422
                ),
                (
                    #"{"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"\#(String(repeating: "A", count: 20000))","authenticatorData":"AA","signature":"AA"}}"#,
                    422
                ),
                // Well-formed, answering no challenge Tract issued.
                (
                    #"{"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"\#(clientData)","authenticatorData":"AA","signature":"AA"}}"#,
                    400
                ),
            ]
            for (body, status) in bodies {
                let reply = try await auth.client.post(verify, body)
                #expect(reply.status == status, "\(body.prefix(120)): \(reply.text)")
                #expect(reply.headers.first(name: "Content-Type")?.hasPrefix("application/problem+json") == true, "\(body.prefix(80))")
            }
            // Registration: garbage CBOR, an attestation object that is a CBOR integer, a huge one.
            for (attestation, status) in [("AAEC", 400), ("GGQ", 400), (String(repeating: "A", count: 40000), 422)] {
                let options = try await auth.client.post("/v1/auth/passkeys/registration/options", "{}", token: token)
                let challenge = try #require(options["public_key"]?["challenge"].flatMap { if case .string(let s) = $0 { s } else { nil } })
                let data = Base64URLText.encode(#"{"type":"webauthn.create","challenge":"\#(challenge)","origin":"http://localhost:8080"}"#)
                let reply = try await auth.client.post(
                    "/v1/auth/passkeys/registration/verify",
                    #"{"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"\#(data)","attestationObject":"\#(attestation)"}}"#,
                    token: token)
                #expect(reply.status == status, "\(reply.text)")
                #expect(reply.headers.first(name: "Content-Type")?.hasPrefix("application/problem+json") == true)
            }
            // Signed-in routes need a user token.
            #expect(try await auth.client.post("/v1/auth/passkeys/registration/options", "{}").status == 401)
            #expect(try await auth.client.get("/v1/auth/passkeys").status == 401)
        }
    }

    @Test func ceremoniesAreRateLimitedPerAddress() async throws {
        var settings = AuthFixture.settings()
        settings.passkeys.ceremoniesPerIP = TokenBucket(3, per: .seconds(300))
        try await AuthFixture.run(settings: settings) { auth in
            for _ in 0..<3 { #expect(try await auth.client.post("/v1/auth/passkeys/authentication/options", "{}").status == 200) }
            let limited = try await auth.client.post("/v1/auth/passkeys/authentication/options", "{}")
            #expect(limited.status == 429)
            #expect(limited.headers.first(name: "Retry-After") != nil)
        }
    }

    @Test func discoverableOptionsNameNoAccount() async throws {
        try await AuthFixture.run { auth in
            let options = try await auth.client.post("/v1/auth/passkeys/authentication/options", "{}")
            #expect(options.status == 200)
            #expect(options["public_key"]?["allowCredentials"] == .array([]))
            #expect(options["public_key"]?["userVerification"] == .string("required"))
            #expect(options["public_key"]?["rpId"] == .string("localhost"))
            #expect(options["expires_in"] == .number(300))
            #expect(try await auth.count("SELECT count(*) FROM auth.passkey_challenges WHERE user_id IS NULL AND ceremony = 'sign_in'") == 1)
        }
    }
}

/// The credential id in a credential's JSON.
func credentialID(_ credential: String) -> String {
    let value = try? JSONDecoder().decode(JSONValue.self, from: Data((credential.hasSuffix("}") ? credential : credential + "}").utf8))
    if case .string(let id)? = value?["rawId"] { return id }
    return ""
}

enum Base64URLText {
    static func encode(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// `PASSKEY_*` settings: defaults follow `PUBLIC_URL`, and origins off the RP ID are refused at start-up.
@Suite struct PasskeySettingsTests {
    static let key = Data(repeating: 7, count: 32).base64EncodedString()

    func settings(_ values: [String: String]) throws -> PasskeySettings {
        try AuthSettings.fromEnvironment(EnvironmentReader(values.merging(["SIGNING_KEY_ENCRYPTION_KEY": Self.key]) { a, _ in a })).passkeys
    }

    @Test func defaultsFollowThePublicURL() throws {
        let local = try self.settings([:])
        #expect(local.relyingPartyID == "localhost")
        #expect(local.origins == ["http://localhost:8080"])
        #expect(local.relyingPartyName == "Tract")
        #expect(local.challengeLifetime == .seconds(300))
        let hosted = try self.settings(["PUBLIC_URL": "https://app.tract.example"])
        #expect(hosted.relyingPartyID == "app.tract.example")
        #expect(hosted.origins == ["https://app.tract.example"])
        let chosen = try self.settings([
            "PASSKEY_RP_ID": "tract.example", "PASSKEY_ORIGINS": "https://tract.example, https://app.tract.example:8443",
            "PASSKEY_RP_NAME": "Tract Invest",
        ])
        #expect(chosen.relyingPartyID == "tract.example")
        #expect(chosen.origins == ["https://tract.example", "https://app.tract.example:8443"])
        #expect(chosen.relyingPartyName == "Tract Invest")
    }

    @Test func originsOffTheRelyingPartyAreRefused() {
        for origins in ["https://evil.example", "https://tract.example/login", "ftp://tract.example", "https://nottract.example"] {
            #expect(throws: ConfigurationError.self, "\(origins)") {
                try self.settings(["PASSKEY_RP_ID": "tract.example", "PASSKEY_ORIGINS": origins])
            }
        }
        #expect(throws: ConfigurationError.self) { try self.settings(["PASSKEY_RP_ID": "https://tract.example"]) }
        #expect(throws: ConfigurationError.self) { try self.settings(["PASSKEY_CHALLENGE_TTL_SECONDS": "5"]) }
    }
}
