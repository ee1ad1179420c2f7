import Crypto
import Foundation
import Models
import NIOConcurrencyHelpers
import ServiceKit
import TestSupport
import Testing

/// A clock the test moves: auth reads TOTP time steps and token times from it, so a code "one
/// step ahead" is exactly that however slowly the test runs.
final class SteppingClock: Sendable {
    private let now: NIOLockedValueBox<Date>

    /// The middle of the current real 30-second step.
    init() {
        let step = (Date().timeIntervalSince1970 / 30).rounded(.down)
        self.now = NIOLockedValueBox(Date(timeIntervalSince1970: step * 30 + 15))
    }

    var clock: ServiceClock { ServiceClock { self.now.withLockedValue { $0 } } }
    var step: Int64 { Int64(self.now.withLockedValue { $0 }.timeIntervalSince1970 / 30) }

    func advance(steps: Int) {
        self.now.withLockedValue { $0 = $0.addingTimeInterval(Double(steps * 30)) }
    }
}

/// A user with a confirmed authenticator, as the MFA tests start from.
struct EnrolledUser: Sendable {
    var email: String
    var secret: [UInt8]
    var recoveryCodes: [String]
    /// The access token answered by the confirmation (second factor proven now).
    var accessToken: String
    var refreshToken: String

    func code(step: Int64) -> String { ReferenceTOTP.code(secret: self.secret, step: step) }
}

extension AuthFixture {
    /// Signs up, signs in, sets up an authenticator from the otpauth URI it is given and confirms
    /// it with the code of `clock`'s step.
    func enrolledUser(clock: SteppingClock) async throws -> EnrolledUser {
        let email = try await self.verifiedUser()
        let signIn = try await self.signIn(email)
        let access = try #require(signIn.string("access_token"), "\(signIn.text)")
        let refresh = try #require(signIn.string("refresh_token"))
        let started = try await self.client.post("/v1/auth/mfa/totp", "{}", token: access)
        try #require(started.status == 201, "\(started.text)")
        let uri = try #require(started.string("otpauth_uri"))
        let secretText = try #require(URLComponents(string: uri)?.queryItems?.first { $0.name == "secret" }?.value)
        let secret = try #require(ReferenceTOTP.base32Decode(secretText))
        let code = ReferenceTOTP.code(secret: secret, step: clock.step)
        let confirmed = try await self.client.post("/v1/auth/mfa/totp/confirm", #"{"code":"\#(code)"}"#, token: access)
        try #require(confirmed.status == 200, "\(confirmed.text)")
        guard case .array(let codes)? = confirmed["recovery_codes"] else { throw ServiceTokenRefused(reply: confirmed.text) }
        return EnrolledUser(
            email: email, secret: secret,
            recoveryCodes: codes.compactMap { if case .string(let code) = $0 { code } else { nil } },
            accessToken: try #require(confirmed.string("access_token")), refreshToken: refresh)
    }

    /// The first step of a sign-in of a user with a second factor: the ticket.
    func mfaTicket(_ email: String) async throws -> String {
        let reply = try await self.signIn(email)
        try #require(reply.status == 403, "\(reply.text)")
        return try #require(reply.string("mfa_token"))
    }

    func verifyMFA(ticket: String, _ factor: String) async throws -> JSONClient.Reply {
        try await self.client.post("/v1/auth/mfa/verify", #"{"mfa_token":"\#(ticket)",\#(factor)}"#)
    }
}

/// The claims of a JWT, read without verifying (the service verified them).
func claims(of token: String) throws -> [String: JSONValue] {
    let segments = token.split(separator: ".")
    try #require(segments.count == 3)
    var base64 = segments[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while base64.count % 4 != 0 { base64 += "=" }
    let data = try #require(Data(base64Encoded: base64))
    guard case .object(let object) = try JSONDecoder().decode(JSONValue.self, from: data) else { return [:] }
    return object
}
