import Foundation
import TestSupport
import Testing

@testable import CommunicationsService

/// Standard Webhooks v1 signing and verification, against the specification's published example
/// and against the reference library (PyPI `standardwebhooks`) itself.
@Suite struct WebhookSignatureTests {
    typealias Signature = StandardWebhookSignature
    /// The example in the specification (standard-webhooks/spec, "Signature scheme") and its libraries' tests.
    static let specSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let specID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let specTimestamp: Int64 = 1_614_265_330
    static let specBody = #"{"test": 2432232314}"#
    static let specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    @Test func signingTheSpecExampleGivesItsPublishedSignature() throws {
        let secret = try Signature.Secret(parsing: Self.specSecret)
        #expect(Signature.sign(id: Self.specID, timestamp: Self.specTimestamp, body: Data(Self.specBody.utf8), secret: secret) == Self.specSignature)
        // The bare base64 form (no prefix) is the same secret.
        #expect(try Signature.Secret(parsing: String(Self.specSecret.dropFirst(6))) == secret)
    }

    @Test func theSpecExampleVerifiesWithinToleranceAndNotOutside() throws {
        let secret = try Signature.Secret(parsing: Self.specSecret)
        let body = Data(Self.specBody.utf8)
        let sent = Date(timeIntervalSince1970: TimeInterval(Self.specTimestamp))
        func verify(now: Date, header: String = Self.specSignature, body: Data = body, id: String = Self.specID) -> Signature.VerificationFailure? {
            do {
                try Signature.verify(
                    id: id, timestamp: String(Self.specTimestamp), signatureHeader: header, body: body, secrets: [secret], now: now)
                return nil
            } catch { return error }
        }
        #expect(verify(now: sent) == nil)
        #expect(verify(now: sent.addingTimeInterval(299)) == nil)
        #expect(verify(now: sent.addingTimeInterval(-299)) == nil)
        #expect(verify(now: sent.addingTimeInterval(301)) == .timestampTooOld)
        #expect(verify(now: sent.addingTimeInterval(-301)) == .timestampTooNew)
        // A changed body, id or signature fails; other versions and extra signatures are skipped.
        #expect(verify(now: sent, body: Data(#"{"test": 2432232315}"#.utf8)) == .noMatchingSignature)
        #expect(verify(now: sent, id: Self.specID + "x") == .noMatchingSignature)
        #expect(verify(now: sent, header: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE") == .noMatchingSignature)
        #expect(verify(now: sent, header: "v2,abc v1,bm90IGl0 " + Self.specSignature) == nil)
        #expect(verify(now: sent, header: "v1a," + Self.specSignature.dropFirst(3)) == .noMatchingSignature)
        #expect(verify(now: sent, header: "") == .missingHeaders)
    }

    @Test func malformedTimestampsAndSecretsAreRefused() {
        let secret = Signature.Secret.generate()
        for timestamp in ["", "-1", "+1614265330", "1614265330.0", " 1614265330", "99999999999999999999", "1e9"] {
            #expect(throws: Signature.VerificationFailure.malformedTimestamp) {
                try Signature.verify(
                    id: "msg_1", timestamp: timestamp, signatureHeader: "v1,x", body: Data(), secrets: [secret], now: Date())
            }
        }
        // Too short (the spec asks for at least 24 bytes), too long, not base64.
        for text in [
            "whsec_" + Data(repeating: 1, count: 23).base64EncodedString(), "whsec_" + Data(repeating: 1, count: 65).base64EncodedString(),
            "whsec_not base64!", "whsec_", "",
        ] {
            #expect(throws: Signature.SecretMalformed.self) { try Signature.Secret(parsing: text) }
        }
    }

    @Test func generatedSecretsAreFreshAndRoundTrip() throws {
        let a = Signature.Secret.generate()
        let b = Signature.Secret.generate()
        #expect(a != b)
        #expect(a.bytes.count == 32)
        #expect(a.encoded.hasPrefix("whsec_"))
        #expect(try Signature.Secret(parsing: a.encoded) == a)
    }

    /// During a rotation both secrets sign: a receiver holding either verifies; one holding neither does not.
    @Test func twoSignaturesVerifyWithEitherSecret() throws {
        let (old, new, other) = (Signature.Secret.generate(), Signature.Secret.generate(), Signature.Secret.generate())
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let body = Data(#"{"type":"test"}"#.utf8)
        let header = Signature.signatureHeaderValue(id: "msg_2", timestamp: 1_800_000_000, body: body, secrets: [new, old])
        #expect(header.split(separator: " ").count == 2)
        for secret in [old, new] {
            try Signature.verify(id: "msg_2", timestamp: "1800000000", signatureHeader: header, body: body, secrets: [secret], now: now)
        }
        #expect(throws: Signature.VerificationFailure.noMatchingSignature) {
            try Signature.verify(id: "msg_2", timestamp: "1800000000", signatureHeader: header, body: body, secrets: [other], now: now)
        }
    }

    /// What we sign, the reference library verifies (with each secret of a rotation), and what it
    /// signs, we verify.
    @Test func theReferenceLibraryAgreesBothWays() async throws {
        let (old, new) = (Signature.Secret.generate(), Signature.Secret.generate())
        let timestamp = Int64(Date().timeIntervalSince1970)
        let body = #"{"type":"investment.committed","data":{"amount":"100.00","note":"é ✓"}}"#
        let header = Signature.signatureHeaderValue(id: "msg_ref", timestamp: timestamp, body: Data(body.utf8), secrets: [new, old])
        let script = """
            import sys, datetime
            from standardwebhooks import Webhook
            body, header, ts = sys.argv[1], sys.argv[2], sys.argv[3]
            headers = {"webhook-id": "msg_ref", "webhook-timestamp": ts, "webhook-signature": header}
            for secret in sys.argv[4:6]:
                Webhook(secret).verify(body.encode(), headers)
            try:
                Webhook(sys.argv[6]).verify(body.encode(), headers)
                sys.exit("a stranger's secret verified")
            except Exception:
                pass
            print(Webhook(sys.argv[4]).sign("msg_back", datetime.datetime.fromtimestamp(int(ts), tz=datetime.timezone.utc), body))
            """
        let result = try await RepositoryScripts.run(
            RepositoryScripts.python,
            ["-c", script, body, header, String(timestamp), new.encoded, old.encoded, Signature.Secret.generate().encoded])
        #expect(result.status == 0, "\(result.output)")
        let theirs = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        try Signature.verify(
            id: "msg_back", timestamp: String(timestamp), signatureHeader: theirs, body: Data(body.utf8), secrets: [new],
            now: Date(timeIntervalSince1970: TimeInterval(timestamp)))
    }
}
