import CBOR
import Crypto
import Foundation
import Testing
import WebAuthn

/// One ceremony from Fixtures/*.json, in the shape py_webauthn_verify.py reads.
struct FixtureCase: Codable, Sendable, CustomTestStringConvertible {
    struct Credential: Codable, Sendable {
        struct Response: Codable, Sendable {
            var clientDataJSON: String
            var attestationObject: String?
            var authenticatorData: String?
            var signature: String?
            var userHandle: String?
        }
        var id: String
        var rawId: String
        var type: String
        var response: Response
    }
    var source: String
    var note: String
    var ceremony: String
    var credential: Credential
    var challenge: String
    var rpId: String
    var origins: [String]
    var requireUserVerification: Bool
    var accepted: Bool
    var publicKey: String?
    var signCount: Int?
    /// Refused by Tract's §8.2.1 certificate checks, which py_webauthn leaves to root validation.
    var tractOnly: Bool?

    enum CodingKeys: String, CodingKey {
        case source, note, ceremony, credential, challenge, origins, accepted
        case rpId = "rp_id"
        case requireUserVerification = "require_user_verification"
        case publicKey = "public_key"
        case signCount = "sign_count"
        case tractOnly = "tract_only"
    }

    var testDescription: String { "\(self.ceremony): \(self.note)" }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func load(_ name: String) -> [FixtureCase] {
        let data = try! Data(contentsOf: Self.folder.appendingPathComponent(name))
        return try! JSONDecoder().decode([FixtureCase].self, from: data)
    }

    static let all = Self.load("py_webauthn.json") + Self.load("self_attestation.json") + Self.load("packed_x5c.json")

    func bytes(_ text: String?) -> [UInt8] { text.flatMap(Base64URL.decode) ?? [] }

    /// What Tract's verifier decides; the error when it refuses.
    func verify() -> Result<Void, WebAuthnError> {
        let relyingParty = RelyingParty(id: self.rpId, origins: Set(self.origins))
        do {
            if self.ceremony == "registration" {
                let registered = try WebAuthn.verifyRegistration(
                    clientDataJSON: self.bytes(self.credential.response.clientDataJSON),
                    attestationObject: self.bytes(self.credential.response.attestationObject), expectedChallenge: self.bytes(self.challenge),
                    relyingParty: relyingParty, requireUserVerification: self.requireUserVerification)
                guard registered.credentialID == self.bytes(self.credential.rawId) else { return .failure(.malformed("credential id")) }
            } else {
                _ = try WebAuthn.verifyAuthentication(
                    clientDataJSON: self.bytes(self.credential.response.clientDataJSON),
                    authenticatorData: self.bytes(self.credential.response.authenticatorData),
                    signature: self.bytes(self.credential.response.signature), expectedChallenge: self.bytes(self.challenge),
                    relyingParty: relyingParty, publicKey: try COSEKey(self.bytes(self.publicKey)),
                    storedSignCount: UInt32(self.signCount ?? 0), requireUserVerification: self.requireUserVerification)
            }
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    func with(_ note: String, _ change: (inout FixtureCase) -> Void) -> FixtureCase {
        var copy = self
        copy.note = "\(self.note), \(note)"
        copy.accepted = false
        change(&copy)
        return copy
    }

    /// Copies that must be refused: each changes one thing the ceremony depends on.
    var tampered: [FixtureCase] {
        var cases = [
            self.with("wrong origin") { $0.origins = ["https://evil.example"] },
            self.with("wrong RP ID") { $0.rpId = "example.com" },
            self.with("challenge mismatch") { $0.challenge = Base64URL.encode([UInt8](repeating: 7, count: 32)) },
        ]
        if self.ceremony == "authentication" {
            cases.append(
                self.with("flipped signature byte") { $0.credential.response.signature = Self.flip($0.credential.response.signature, at: 12) })
            let received = Int(try! self.authenticatorData().signCount)
            cases.append(self.with("sign count regressed") { $0.signCount = received })
            cases.append(self.with("sign count far behind") { $0.signCount = received + 1000 })
        } else if self.credential.response.attestationObject.map(Self.isPacked) == true {
            cases.append(
                self.with("flipped attestation signature byte") {
                    $0.credential.response.attestationObject = Self.flipSignature(in: $0.credential.response.attestationObject!)
                })
        }
        return cases
    }

    func authenticatorData() throws -> AuthenticatorData { try AuthenticatorData(self.bytes(self.credential.response.authenticatorData)) }

    static func flip(_ text: String?, at index: Int) -> String {
        var bytes = Base64URL.decode(text!)!
        bytes[index % bytes.count] ^= 0x01
        return Base64URL.encode(bytes)
    }

    static func isPacked(_ attestation: String) -> Bool {
        (try? CBORDecoder().decode(Base64URL.decode(attestation)!))?["fmt"] == .text("packed")
    }

    /// The attestation object with one bit of `attStmt.sig` changed, found by its bytes.
    static func flipSignature(in attestation: String) -> String {
        var bytes = Base64URL.decode(attestation)!
        let object = try! CBORDecoder().decode(bytes)
        let signature = object["attStmt"]!["sig"]!.byteString!
        let start = (0...(bytes.count - signature.count)).first { Array(bytes[$0..<$0 + signature.count]) == signature }!
        bytes[start + signature.count / 2] ^= 0x01
        return Base64URL.encode(bytes)
    }
}

@Suite struct WebAuthnFixtureTests {
    @Test(arguments: FixtureCase.all) func fixtureDecision(_ fixture: FixtureCase) {
        let outcome = fixture.verify()
        if fixture.accepted {
            #expect(throws: Never.self, "\(fixture.source)") { try outcome.get() }
        } else {
            #expect(throws: WebAuthnError.self, "\(fixture.source)") { try outcome.get() }
        }
    }

    @Test(arguments: FixtureCase.all.flatMap(\.tampered)) func tamperedRefused(_ fixture: FixtureCase) {
        #expect(throws: WebAuthnError.self, "\(fixture.source): \(fixture.note)") { try fixture.verify().get() }
    }

    /// The refusals say which check failed.
    @Test func refusalsNameTheirCheck() throws {
        let es256 = try #require(FixtureCase.all.first { $0.note == "ES256" })
        let received = try es256.authenticatorData().signCount
        #expect(throws: WebAuthnError.signCountRegressed(stored: received, received: received)) {
            try es256.with("") { $0.signCount = Int(received) }.verify().get()
        }
        #expect(throws: WebAuthnError.relyingPartyMismatch) { try es256.with("") { $0.rpId = "example.com" }.verify().get() }
        #expect(throws: WebAuthnError.challengeMismatch) {
            try es256.with("") { $0.challenge = Base64URL.encode([UInt8](repeating: 1, count: 32)) }.verify().get()
        }
        #expect(throws: WebAuthnError.originNotAllowed("http://localhost:5000")) {
            try es256.with("") { $0.origins = ["https://localhost:5000"] }.verify().get()
        }
        #expect(throws: WebAuthnError.invalidSignature) {
            try es256.with("") { $0.credential.response.signature = FixtureCase.flip($0.credential.response.signature, at: 40) }.verify().get()
        }
        // This authenticator did not verify its user (UV flag clear).
        #expect(throws: WebAuthnError.userNotVerified) { try es256.with("") { $0.requireUserVerification = true }.verify().get() }
    }

    @Test func packedCertificateRequirementsAreChecked() throws {
        let yubikey = try #require(FixtureCase.all.first { $0.note == "packed x5c, ES256 credential" })
        let object = try CBORDecoder().decode(yubikey.bytes(yubikey.credential.response.attestationObject))
        let leaf = try #require(object["attStmt"]?["x5c"]?.arrayValue?.first?.byteString)
        // The Yubikey certificate carries the AAGUID extension with the authData's AAGUID.
        let aaguid = try #require(try AuthenticatorData(object["authData"]!.byteString!).attestedCredential?.aaguid)
        let extensionValue: [UInt8] = [0x04, 0x10] + aaguid
        #expect(leaf.count > 500)
        #expect((0...(leaf.count - 18)).contains { Array(leaf[$0..<$0 + 18]) == extensionValue })
    }

    @Test func clientDataCrossOriginRefused() throws {
        let challenge = [UInt8](repeating: 9, count: 32)
        let rp = RelyingParty(id: "localhost", origins: ["http://localhost:5000"])
        func clientData(_ extra: String) -> [UInt8] {
            Array(
                #"{"type":"webauthn.get","challenge":"\#(Base64URL.encode(challenge))","origin":"http://localhost:5000"\#(extra)}"#.utf8)
        }
        let data = try ClientData(clientData(#","crossOrigin":true"#))
        #expect(data.crossOrigin == true)
        #expect(throws: WebAuthnError.self) {
            try WebAuthn.verifyAuthentication(
                clientDataJSON: clientData(#","crossOrigin":true,"topOrigin":"https://evil.example""#),
                authenticatorData: [UInt8](repeating: 0, count: 37), signature: [1], expectedChallenge: challenge, relyingParty: rp,
                publicKey: try COSEKey(Base64URL.decode("pAEBAycgBiFYIMz6_SUFLiDid2Yhlq0YboyJ-CDrIrNpkPUGmJp4D3Dp")!), storedSignCount: 0,
                requireUserVerification: false)
        }
        #expect(throws: WebAuthnError.crossOriginRefused) {
            try WebAuthn.verifyAuthentication(
                clientDataJSON: clientData(#","crossOrigin":true"#), authenticatorData: [UInt8](repeating: 0, count: 37), signature: [1],
                expectedChallenge: challenge, relyingParty: rp,
                publicKey: try COSEKey(Base64URL.decode("pAEBAycgBiFYIMz6_SUFLiDid2Yhlq0YboyJ-CDrIrNpkPUGmJp4D3Dp")!), storedSignCount: 0,
                requireUserVerification: false)
        }
    }

    @Test func hostileAuthenticatorDataRefused() {
        #expect(throws: WebAuthnError.self) { try AuthenticatorData([UInt8](repeating: 0, count: 36)) }
        // AT set but nothing after the counter; a credential id longer than what follows.
        #expect(throws: WebAuthnError.self) { try AuthenticatorData([UInt8](repeating: 0, count: 32) + [0x41, 0, 0, 0, 1]) }
        #expect(throws: WebAuthnError.self) {
            try AuthenticatorData([UInt8](repeating: 0, count: 32) + [0x41, 0, 0, 0, 1] + [UInt8](repeating: 0, count: 16) + [0xff, 0xff])
        }
        // ED set with no extensions, and trailing bytes with no flag.
        #expect(throws: WebAuthnError.self) { try AuthenticatorData([UInt8](repeating: 0, count: 32) + [0x81, 0, 0, 0, 1]) }
        #expect(throws: WebAuthnError.self) { try AuthenticatorData([UInt8](repeating: 0, count: 32) + [0x01, 0, 0, 0, 1, 0xa0]) }
    }

    @Test func coseKeysRefuseWhatTheyDoNotSupport() {
        // ES384 (-35), an ES256 key on the wrong curve, a short RSA modulus.
        #expect(throws: WebAuthnError.unsupportedAlgorithm(-35)) { try COSEKey(CBOR.map([(CBOR(1), CBOR(2)), (CBOR(3), CBOR(-35))])) }
        #expect(throws: WebAuthnError.self) {
            try COSEKey(
                CBOR.map([
                    (CBOR(1), CBOR(2)), (CBOR(3), CBOR(-7)), (CBOR(-1), CBOR(2)), (CBOR(-2), .bytes(.init(repeating: 1, count: 32))),
                    (CBOR(-3), .bytes(.init(repeating: 1, count: 32))),
                ]))
        }
        #expect(throws: WebAuthnError.self) {
            try COSEKey(
                CBOR.map([
                    (CBOR(1), CBOR(3)), (CBOR(3), CBOR(-257)), (CBOR(-1), .bytes(.init(repeating: 0xff, count: 128))), (CBOR(-2), .bytes([1, 0, 1])),
                ]))
        }
    }

    @Test func base64URLIsStrict() {
        #expect(Base64URL.decode("AQID") == [1, 2, 3])
        #expect(Base64URL.decode("AQ") == [1])
        #expect(Base64URL.decode("A+/=") == nil)
        #expect(Base64URL.decode("A") == nil)
        #expect(Base64URL.decode("not base64!") == nil)
    }
}

/// py_webauthn decides every fixture and every tampered copy the same way Tract does.
@Suite struct WebAuthnCrossCheckTests {
    static var python: String? { ProcessInfo.processInfo.environment["TRACT_PYTHON"] }

    @Test(.enabled(if: Self.python != nil, "needs py_webauthn: set TRACT_PYTHON")) func pyWebAuthnAgrees() throws {
        let cases = FixtureCase.all + FixtureCase.all.flatMap(\.tampered)
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("webauthn-cases-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: input) }
        try JSONEncoder().encode(cases).write(to: input)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python!)
        process.arguments = [FixtureCase.folder.appendingPathComponent("py_webauthn_verify.py").path, input.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        struct Decision: Decodable {
            var accepted: Bool
            var error: String?
        }
        let theirs = try JSONDecoder().decode([Decision].self, from: data)
        try #require(theirs.count == cases.count)
        for (fixture, their) in zip(cases, theirs) {
            let ours = (try? fixture.verify().get()) != nil
            #expect(ours == fixture.accepted, "Tract on \(fixture.source): \(fixture.note)")
            if fixture.tractOnly == true { continue }
            #expect(their.accepted == ours, "py_webauthn on \(fixture.source): \(fixture.note): \(their.error ?? "accepted")")
        }
        #expect(cases.count > 40)
    }
}
