import Foundation
import HTTPTypes
import Logging
import ServiceKit

extension TokenController {
    /// `grant_type=urn:tract:params:oauth:grant-type:sign-in-code`: the app exchanges the one-time
    /// code a browser brought back from an OAuth flow for tokens, so that tokens never travel in a
    /// URL. A code works once, for `OAUTH_FLOW_TTL_SECONDS`; the sign-in is the provider's
    /// (`oauth:<provider>`, amr `fed`), and C's MFA gate applies as to any sign-in.
    func signInCodeGrant(_ request: TokenRequest, device: Sessions.Device, logger: Logger) async throws -> TokenResponse {
        guard let code = request.code, !code.isEmpty else { throw Problem.validation(field: "code", "is required") }
        try await self.auth.limiter.take("verify", for: device.ip ?? "unknown", bucket: self.auth.settings.limits.verificationsPerIP, logger: logger)
        let flows = OAuthFlows(postgres: self.auth.postgres, ids: self.auth.ids)
        guard let grant = try await flows.redeem(.signInCode, secret: code, logger: logger) else {
            throw Problem.invalidGrant("The sign-in code is invalid, used or expired.")
        }
        // RFC 7636 §4.6 between the app and us: a code whose flow named a challenge needs its verifier.
        if let challenge = grant.appCodeChallenge {
            guard let verifier = request.codeVerifier, SecretToken.constantTimeEquals(PKCE.challenge(forVerifier: verifier), challenge) else {
                throw Problem.invalidGrant("The code verifier does not match the flow's code challenge.")
            }
        }
        guard let user = try await self.auth.users.find(id: grant.userID, logger: logger) else {
            throw Problem.invalidGrant("The sign-in code is invalid, used or expired.")
        }
        guard user.status == "active" else { throw Problem.forbidden("This account is \(user.status).") }
        return try await self.auth.signIn(user, .oauth(grant.provider), source: grant.source, device: device, logger: logger)
    }
}
