import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import NIOCore
import PostgresNIO
import ServiceKit

struct OAuthAuthorizeRequest: Decodable, Sendable {
    var redirectUri: String?
    var intent: String?
    var source: String?
    /// The app's own PKCE challenge (S256) for the sign-in code a browser brings back.
    var codeChallenge: String?
    var codeChallengeMethod: String?
}

struct OAuthAuthorizeReply: Encodable, ResponseEncodable, Sendable {
    var authorizationUrl: String
    var state: String
    var expiresAt: Date
}

struct OAuthLinkRequest: Decodable, Sendable {
    var linkTicket: String
}

extension SignInProof {
    /// A provider vouched for the user (RFC 8176 `fed`); one factor, so C's MFA gate may follow.
    static func oauth(_ provider: String) -> SignInProof {
        SignInProof(method: "oauth:\(provider)", amr: ["fed"], isMultiFactor: false)
    }
}

/// Sign-in with OAuth 2.0 / OpenID Connect providers (issue 15), mounted at `/v1/auth`.
///
/// `POST oauth/{provider}/authorize` starts a flow: state, PKCE (S256) and nonce are held server
/// side for `OAUTH_FLOW_TTL_SECONDS` and spent once. The provider sends the browser to
/// `oauth/{provider}/callback` (a GET, or Apple's `form_post` POST); the callback spends the state,
/// redeems the code and checks the ID token, then:
/// - a known identity signs its user in;
/// - a new identity with a verified email nobody has creates the account and signs it in;
/// - a verified email that an account already has is never linked there and then: the answer is
///   `link-required` with a ticket that the account's owner, signed in, redeems at `oauth/links`;
/// - an unverified provider email is refused.
/// A JSON caller (Accept: application/json) gets the result in the response; a browser is sent
/// (303) to the flow's `redirect_uri` with a one-time `code` for `POST /v1/auth/token`
/// (`grant_type=urn:tract:params:oauth:grant-type:sign-in-code`), or a `link_ticket`, or an
/// `error` — never with tokens in the URL.
struct OAuthController: RouteController {
    static let signInCodeGrant = "urn:tract:params:oauth:grant-type:sign-in-code"
    static let maximumCodeLength = 4096

    let auth: AuthContext
    let providers: OAuthProviders

    var flows: OAuthFlows { OAuthFlows(postgres: self.auth.postgres, ids: self.auth.ids) }
    var identities: Identities { Identities(postgres: self.auth.postgres, ids: self.auth.ids) }
    var pkce: PKCE {
        PKCE(key: HKDFKey.derive(from: self.auth.settings.keyEncryptionKey, info: "tract oauth pkce v1"))
    }

    var publicEndpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .post("oauth/:provider/authorize", use: self.authorize)
            .get("oauth/:provider/callback", use: self.callback)
            .post("oauth/:provider/callback", use: self.callback)
    }

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post("oauth/links", use: self.redeemLinkTicket)
            .get("identities", use: self.list)
            .delete("identities/:id", use: self.unlink)
    }

    // MARK: Starting a flow

    @Sendable func authorize(_ request: Request, context: TractRequestContext) async throws -> OAuthAuthorizeReply {
        let provider = try self.providers.provider(context.parameters.require("provider"))
        var body = try await request.decode(as: OAuthAuthorizeRequest.self, context: context)
        body.source = AuthSource.canonical(body.source)
        var errors = FieldErrors()
        errors.oneOf("intent", body.intent, ["sign_in", "link"])
        if let redirect = body.redirectUri, !RedirectAllowList.allows(redirect, in: self.providers.settings.allowedRedirects) {
            errors.add("redirect_uri", "must be one of the app's allowed redirect URLs")
        }
        errors.add(source: body.source)
        if let challenge = body.codeChallenge, !SecretToken.isWellFormed(challenge) {
            errors.add("code_challenge", "must be the base64url SHA-256 of the code verifier (43 characters)")
        }
        if body.codeChallenge != nil, (body.codeChallengeMethod ?? "S256") != "S256" {
            errors.add("code_challenge_method", "must be S256")
        }
        try errors.check()
        let intent = OAuthFlow.Intent(rawValue: body.intent ?? "sign_in") ?? .signIn
        var userID: UUID?
        if intent == .link {
            guard let identity = context.identity else {
                throw Problem.unauthorized("Linking a provider needs the signed-in user's bearer token.", error: "invalid_request")
            }
            userID = try identity.requireUser("Only users link providers.")
            // Linking adds a way into the account: an account-security change (step-up, part C).
            try await self.auth.requireStepUp(identity, logger: context.logger)
        }
        let ip = self.auth.clientIP(request, context)
        try await self.auth.limiter.take(
            "oauth_authorize", for: ip ?? "unknown", bucket: self.providers.settings.requestsPerIP, logger: context.logger)

        let state = SecretToken.make()
        let nonce = SecretToken.make()
        let url = try await self.providers.authorizationURL(
            provider, state: state, nonce: nonce, challenge: PKCE.challenge(forVerifier: self.pkce.verifier(forState: state)))
        let lifetime = self.providers.settings.flowLifetime
        try await self.flows.start(
            stateHash: SecretToken.hash(state), provider: provider.name, intent: intent, userID: userID, nonce: nonce, redirectURI: body.redirectUri,
            source: body.source, appCodeChallenge: body.codeChallenge, ip: ip, lifetime: lifetime, logger: context.logger)
        return OAuthAuthorizeReply(
            authorizationUrl: url, state: state, expiresAt: self.auth.accessTokens.clock.now.addingTimeInterval(Double(lifetime.components.seconds)))
    }

    // MARK: The provider's answer

    /// What the provider sent back: the query of a GET, or the form of Apple's `form_post`.
    struct CallbackParameters: Equatable {
        var state: String?
        var code: String?
        var error: String?
        /// Apple's `user` (JSON with the name), sent on the first sign-in only.
        var appleUser: String?

        static func parse(query: [String: String], form: [String: String]) -> CallbackParameters {
            let fields = form.isEmpty ? query : form
            return CallbackParameters(state: fields["state"], code: fields["code"], error: fields["error"], appleUser: fields["user"])
        }

        /// Apple's first-sign-in `user` field, `{"name":{"firstName":…,"lastName":…}}`, as a name.
        var appleName: String? {
            struct User: Decodable {
                struct Name: Decodable {
                    var firstName: String?
                    var lastName: String?
                }
                var name: Name?
            }
            guard let text = self.appleUser, text.utf8.count <= 4096,
                let user = try? JSONDecoder().decode(User.self, from: Data(text.utf8)), let name = user.name
            else { return nil }
            let full = [name.firstName, name.lastName].compactMap { $0 }.joined(separator: " ").trimmingCharacters(in: .whitespaces)
            return full.isEmpty ? nil : String(full.prefix(200))
        }
    }

    /// How one finished flow ends for the app.
    enum Outcome {
        case signIn(User, source: String?)
        /// The identity waits for `userID` to prove the account and redeem a ticket.
        case linkRequired(userID: UUID, identity: ProviderIdentity, source: String?)
        case linked(IdentityView)
    }

    @Sendable func callback(_ request: Request, context: TractRequestContext) async throws -> Response {
        let provider = try self.providers.provider(context.parameters.require("provider"))
        var form: [String: String] = [:]
        if request.method == .post {
            guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
                throw Problem(.unsupportedMediaType, detail: "The callback takes the provider's form (application/x-www-form-urlencoded).")
            }
            form = try FormBody.parse(try await request.body.collect(upTo: min(context.maxUploadSize, 64 * 1024)).readableBytesView)
        }
        var query: [String: String] = [:]
        for (name, value) in request.uri.queryParameters {
            let key = String(name)
            guard query[key] == nil else { throw Problem.badRequest("\"\(key)\" appears more than once.") }
            query[key] = String(value)
        }
        let parameters = CallbackParameters.parse(query: query, form: form)
        guard let state = parameters.state, SecretToken.isWellFormed(state) else {
            throw Problem.validation(field: "state", "is required and must be the state this flow was started with")
        }
        let ip = self.auth.clientIP(request, context)
        try await self.auth.limiter.take(
            "oauth_callback", for: ip ?? "unknown", bucket: self.providers.settings.requestsPerIP, logger: context.logger)
        guard let flow = try await self.flows.consume(stateHash: SecretToken.hash(state), provider: provider.name, logger: context.logger) else {
            throw Problem(
                .badRequest, detail: "This sign-in attempt is unknown, already used or expired. Start again.",
                type: "https://tract.dev/problems/invalid-state")
        }
        let device = Sessions.Device(ip: ip, userAgentHeader: request.headers[.userAgent])
        let wantsJSON = flow.redirectURI == nil || (request.headers[.accept]?.lowercased().contains("application/json") ?? false)
        do {
            let outcome = try await self.finish(flow, provider: provider, parameters: parameters, state: state, context: context, device: device)
            return wantsJSON
                ? try await self.answer(outcome, provider: provider, request: request, context: context, device: device)
                : try await self.redirect(outcome, flow: flow, state: state, context: context)
        } catch let refused as IDTokenRefused {
            try await self.recordFailure(provider, reason: refused.reason, device: device, logger: context.logger)
            if wantsJSON { throw refused.problem }
            return self.redirect(flow, state: state, error: "invalid_id_token", description: refused.reason)
        } catch let problem as Problem where !wantsJSON {
            return self.redirect(flow, state: state, error: Self.slug(problem), description: problem.detail ?? "")
        }
    }

    /// From the provider's answer to an outcome: redeem the code, prove the identity, decide.
    func finish(
        _ flow: OAuthFlow, provider: OAuthProvider, parameters: CallbackParameters, state: String, context: TractRequestContext,
        device: Sessions.Device
    ) async throws -> Outcome {
        if let error = parameters.error {
            try await self.recordFailure(provider, reason: "provider_error", device: device, logger: context.logger)
            throw ProviderClient.providerRefused("The provider did not sign you in (\(String(error.prefix(64)))).")
        }
        guard let code = parameters.code, !code.isEmpty, code.utf8.count <= Self.maximumCodeLength else {
            throw Problem.validation(field: "code", "is required")
        }
        var identity = try await self.providers.identity(
            provider, code: code, verifier: self.pkce.verifier(forState: state), nonce: flow.nonce, now: self.auth.accessTokens.clock.now,
            logger: context.logger)
        if identity.name == nil { identity.name = parameters.appleName }
        switch flow.intent {
        case .link:
            guard let owner = flow.userID else { throw Problem(.internalServerError) }
            // Linked at once only when the caller is the user who started the flow; otherwise the
            // browser that finished it may not be theirs (a link URL sent to someone else), so
            // the owner must redeem the ticket signed in.
            guard context.identity?.subject == owner.uuidString.lowercased() else {
                return .linkRequired(userID: owner, identity: identity, source: flow.source)
            }
            return .linked(try await self.link(identity, to: owner, ip: device.ip, logger: context.logger))
        case .signIn:
            return try await self.resolveSignIn(identity, flow: flow, device: device, logger: context.logger)
        }
    }

    /// A sign-in flow's identity: its user, a new account, or a link that needs proof.
    func resolveSignIn(_ identity: ProviderIdentity, flow: OAuthFlow, device: Sessions.Device, logger: Logger) async throws -> Outcome {
        if let userID = try await self.identities.signInUser(identity, logger: logger) {
            return .signIn(try await self.activeUser(userID, logger: logger), source: flow.source)
        }
        let email = EmailAddress.normalize(identity.email ?? "")
        guard identity.emailVerified, EmailAddress.isValid(email) else {
            try await self.recordFailure(
                self.providers.provider(identity.provider), reason: "provider_email_unverified", device: device, logger: logger)
            throw Problem(
                .forbidden, detail: "The provider has not verified an email address for this account, so it cannot sign in here.",
                type: "https://tract.dev/problems/unverified-email")
        }
        let source = AuthSource.canonical(flow.source)
        let decided: (userID: UUID, linkRequired: Bool) = try await self.auth.postgres.transaction(logger: logger) { connection in
            try await self.auth.users.expireUnverified(
                email: email, lifetime: self.auth.settings.unverifiedAccountLifetime, on: connection, logger: logger)
            // An account nobody proved (a password sign-up never verified) is the address's as
            // much as a magic link would make it: the provider proved the address, so the earlier
            // stranger's password and sessions go (PreHijackingTests' rule) and it becomes this one.
            if let pending = try await self.auth.users.unverifiedID(email: email, on: connection, logger: logger) {
                let revoked = try await self.auth.users.verifyEmail(
                    userID: pending, password: .cleared, reason: "email_verified_by_oauth", on: connection, logger: logger)
                for sessionID in revoked {
                    try await self.auth.outbox.publish(
                        SessionRevoked(userId: pending, sessionId: sessionID, reason: "email_verified_by_oauth"), on: connection, logger: logger)
                }
                try await self.auth.history.record(
                    .emailVerified, userID: pending, email: email, method: "oauth:\(identity.provider)", ip: device.ip, success: true,
                    reason: "password_cleared", on: connection, logger: logger)
                _ = try await self.identities.link(identity, to: pending, on: connection, logger: logger)
                return (pending, false)
            }
            let existing = try await connection.query(
                "SELECT id FROM auth.users WHERE email = \(email) AND deleted_at IS NULL", logger: logger)
            for try await userID in existing.decode(UUID.self) { return (userID, true) }
            guard
                let created = try await self.auth.users.create(
                    email: email, passwordHash: nil, source: source, verified: true, on: connection, logger: logger)
            else { throw Problem.conflict("This address was just signed up; try again.") }
            _ = try await self.identities.link(identity, to: created, on: connection, logger: logger)
            try await self.auth.history.record(
                .signUp, userID: created, email: email, method: "oauth:\(identity.provider)", ip: device.ip, userAgent: device.userAgent,
                success: true, on: connection, logger: logger)
            try await self.auth.outbox.publish(
                UserCreated(
                    userId: created, email: email, currentRole: AccountRole.investor.rawValue, firstAuthSource: source,
                    authMethod: "oauth:\(identity.provider)"),
                on: connection, logger: logger)
            return (created, false)
        }
        if decided.linkRequired { return .linkRequired(userID: decided.userID, identity: identity, source: source) }
        return .signIn(try await self.activeUser(decided.userID, logger: logger), source: source)
    }

    func activeUser(_ userID: UUID, logger: Logger) async throws -> User {
        guard let user = try await self.auth.users.find(id: userID, logger: logger) else {
            throw Problem.notFound("The linked account no longer exists.")
        }
        guard user.status == "active" else { throw Problem.forbidden("This account is \(user.status).") }
        return user
    }

    func link(_ identity: ProviderIdentity, to userID: UUID, ip: String?, logger: Logger) async throws -> IdentityView {
        try await self.auth.postgres.transaction(logger: logger) { connection in
            let view = try await self.identities.link(identity, to: userID, on: connection, logger: logger)
            try await self.auth.history.record(
                .identityLinked, userID: userID, email: identity.email, method: "oauth:\(identity.provider)", ip: ip, success: true,
                on: connection, logger: logger)
            return view
        }
    }

    func recordFailure(_ provider: OAuthProvider, reason: String, device: Sessions.Device, logger: Logger) async throws {
        try await self.auth.history.record(
            .signInFailed, userID: nil, method: "oauth:\(provider.name)", ip: device.ip, userAgent: device.userAgent, success: false,
            reason: reason, logger: logger)
    }

    // MARK: Delivering the outcome

    /// To a JSON caller: tokens, the linked identity, or `link-required` with its ticket.
    func answer(_ outcome: Outcome, provider: OAuthProvider, request: Request, context: TractRequestContext, device: Sessions.Device) async throws
        -> Response
    {
        switch outcome {
        case .signIn(let user, let source):
            let tokens = try await self.auth.signIn(user, .oauth(provider.name), source: source, device: device, logger: context.logger)
            return try tokens.response(from: request, context: context)
        case .linked(let view):
            var response = try TractResponseEncoder().encode(view, from: request, context: context)
            response.status = .created
            return response
        case .linkRequired(let userID, let identity, let source):
            let ticket = try await self.flows.issue(
                .linkTicket, OAuthGrant(userID: userID, provider: provider.name, identity: identity, source: source),
                lifetime: self.providers.settings.flowLifetime, logger: context.logger)
            return LinkRequired(ticket: ticket, provider: provider.name, email: identity.email).response(
                instance: request.uri.path, requestID: context.requestID)
        }
    }

    /// To a browser: 303 to the app with a sign-in code, a link ticket or what was linked.
    func redirect(_ outcome: Outcome, flow: OAuthFlow, state: String, context: TractRequestContext) async throws -> Response {
        let lifetime = self.providers.settings.flowLifetime
        switch outcome {
        case .signIn(let user, let source):
            let code = try await self.flows.issue(
                .signInCode, OAuthGrant(userID: user.id, provider: flow.provider, source: source, appCodeChallenge: flow.appCodeChallenge),
                lifetime: lifetime, logger: context.logger)
            return self.redirect(flow, [("code", code), ("state", state)])
        case .linkRequired(let userID, let identity, let source):
            let ticket = try await self.flows.issue(
                .linkTicket, OAuthGrant(userID: userID, provider: flow.provider, identity: identity, source: source), lifetime: lifetime,
                logger: context.logger)
            return self.redirect(flow, [("link_ticket", ticket), ("provider", flow.provider), ("state", state)])
        case .linked(let view):
            return self.redirect(flow, [("linked", view.provider), ("state", state)])
        }
    }

    func redirect(_ flow: OAuthFlow, state: String, error: String, description: String) -> Response {
        self.redirect(flow, [("error", error), ("error_description", String(description.prefix(200))), ("state", state)])
    }

    func redirect(_ flow: OAuthFlow, _ items: [(String, String)]) -> Response {
        var components = URLComponents(string: flow.redirectURI ?? "") ?? URLComponents()
        components.queryItems = (components.queryItems ?? []) + items.map { URLQueryItem(name: $0.0, value: $0.1) }
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        var headers = HTTPFields()
        headers[.location] = components.string ?? ""
        // The URL holds a one-time secret: keep it out of caches and out of the next site's Referer.
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return Response(status: .seeOther, headers: headers)
    }

    /// A problem's type as an error word for the app's redirect (`invalid-state` → `invalid_state`).
    static func slug(_ problem: Problem) -> String {
        String(problem.type.split(separator: "/").last ?? "error").replacingOccurrences(of: "-", with: "_")
    }

    // MARK: Signed-in routes

    /// `POST /v1/auth/oauth/links`: the signed-in owner of the account redeems a link ticket.
    @Sendable func redeemLinkTicket(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let userID = try context.identity.requireUser("Only users link providers.")
        try await self.auth.requireStepUp(context.identity, logger: context.logger)
        let body = try await request.decode(as: OAuthLinkRequest.self, context: context)
        let ip = self.auth.clientIP(request, context)
        try await self.auth.limiter.take("verify", for: ip ?? "unknown", bucket: self.auth.settings.limits.verificationsPerIP, logger: context.logger)
        guard let grant = try await self.flows.redeem(.linkTicket, secret: body.linkTicket, userID: userID, logger: context.logger),
            let identity = grant.identity
        else {
            throw Problem(
                .badRequest, detail: "This link ticket is invalid, used, expired, or for another account.",
                type: "https://tract.dev/problems/invalid-token")
        }
        let view = try await self.link(identity, to: userID, ip: ip, logger: context.logger)
        var response = try TractResponseEncoder().encode(view, from: request, context: context)
        response.status = .created
        return response
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Page<IdentityView> {
        let userID = try context.identity.requireUser("Only users have linked identities.")
        return try await self.identities.page(userID: userID, try PageRequest(request, order: .newestFirst), logger: context.logger)
    }

    @Sendable func unlink(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let userID = try context.identity.requireUser("Only users have linked identities.")
        // Removing a way into the account is an account-security change (step-up, part C).
        try await self.auth.requireStepUp(context.identity, logger: context.logger)
        let id = try context.parameters.uuid("id", "identity")
        let ip = self.auth.clientIP(request, context)
        try await self.auth.postgres.transaction(logger: context.logger) { connection in
            let provider = try await self.identities.unlink(id, of: userID, on: connection, logger: context.logger)
            try await self.auth.history.record(
                .identityUnlinked, userID: userID, method: "oauth:\(provider)", ip: ip, success: true, on: connection, logger: context.logger)
        }
        return .noContent
    }
}

/// RFC 9457 problem `link-required` with its extension members: the ticket the account's owner
/// redeems once signed in, and which provider and address it is about. Returned, not thrown, since
/// the kit's problem middleware renders only the standard members.
struct LinkRequired: Encodable {
    var type = "https://tract.dev/problems/link-required"
    var title = "Conflict"
    var status = 409
    var detail = "An account with this email address already exists. Sign in to it, then link this provider with the ticket."
    var instance: String?
    var requestId: String?
    var linkTicket: String
    var provider: String
    var email: String?

    init(ticket: String, provider: String, email: String?) {
        self.linkTicket = ticket
        self.provider = provider
        self.email = email
    }

    func response(instance: String, requestID: String) -> Response {
        var body = self
        body.instance = instance
        body.requestId = requestID
        let data = (try? JSONEncoder.tract.encode(body)) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        headers[.cacheControl] = "no-store"
        return Response(status: .conflict, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Keys kept apart from the sealing key by HKDF, as `AuthSettings.refreshTokenKey` is.
enum HKDFKey {
    static func derive(from key: SymmetricKey, info: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data(info.utf8), outputByteCount: 32)
    }
}
