import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

struct PasskeyRename: Decodable, Sendable {
    var deviceName: String
}

/// Passkeys (WebAuthn): adding one to a signed-in account, signing in with one (discoverable: no
/// email typed), and the user's list of them. Mounted at `/v1/auth/passkeys`. Every ceremony
/// route is limited per client address; the checks themselves are in `Passkeys`.
struct PasskeyController: RouteController {
    let auth: AuthContext

    var publicEndpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .post("authentication/options", use: self.authenticationOptions)
            .post("authentication/verify", use: self.authenticate)
    }

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.list)
            .post("registration/options", use: self.registrationOptions)
            .post("registration/verify", use: self.register)
            .patch(":id", use: self.rename)
            .delete(":id", use: self.delete)
    }

    func limit(_ action: String, _ request: Request, ip: String?, logger: Logger) async throws {
        try await self.auth.limiter.take(action, for: ip ?? "unknown", bucket: self.auth.settings.passkeys.ceremoniesPerIP, logger: logger)
    }

    @Sendable func authenticationOptions(_ request: Request, context: TractRequestContext) async throws -> PasskeyOptions {
        try await self.limit("passkey_options", request, ip: self.auth.clientIP(request, context), logger: context.logger)
        return try await self.auth.passkeys.assertionOptions(for: nil, purpose: .signIn, logger: context.logger)
    }

    /// Discoverable sign-in: the credential names the account. A user-verified passkey is itself
    /// multi-factor, so the session starts with `amr` hwk+user and no second step.
    @Sendable func authenticate(_ request: Request, context: TractRequestContext) async throws -> TokenResponse {
        let ip = self.auth.clientIP(request, context)
        try await self.limit("passkey_verify", request, ip: ip, logger: context.logger)
        let credential = try await request.decode(as: PasskeyCredential.self, context: context)
        let device = Sessions.Device(ip: ip, userAgentHeader: request.headers[.userAgent])
        let verified = try await self.auth.passkeys.verifyAssertion(
            credential, purpose: .signIn, expectedUser: nil, device: device, logger: context.logger)
        guard let user = try await self.auth.users.find(id: verified.userID, logger: context.logger) else { throw Passkeys.refused }
        guard user.status == "active" else { throw Problem.forbidden("This account is \(user.status).") }
        return try await self.auth.signIn(user, .passkey, source: nil, device: device, logger: context.logger)
    }

    /// Adding a passkey is an account-security change: a user who already has a second factor
    /// must have proven it in the last 15 minutes (step-up, checked again at verify).
    @Sendable func registrationOptions(_ request: Request, context: AuthenticatedContext) async throws -> PasskeyOptions {
        let user = try await self.user(context)
        try await self.auth.requireStepUp(context.identity, logger: context.logger)
        try await self.limit("passkey_options", request, ip: self.auth.clientIP(request, context), logger: context.logger)
        return try await self.auth.passkeys.registrationOptions(for: user, logger: context.logger)
    }

    @Sendable func register(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<PasskeyView> {
        let user = try await self.user(context)
        try await self.auth.requireStepUp(context.identity, logger: context.logger)
        let ip = self.auth.clientIP(request, context)
        try await self.limit("passkey_verify", request, ip: ip, logger: context.logger)
        let credential = try await request.decode(as: PasskeyCredential.self, context: context)
        let device = Sessions.Device(ip: ip, userAgentHeader: request.headers[.userAgent])
        let view = try await self.auth.passkeys.register(credential, for: user, device: device, requestID: context.requestID, logger: context.logger)
        return EditedResponse(status: .created, response: view)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Page<PasskeyView> {
        let userID = try context.identity.requireUser()
        return try await self.auth.passkeyStore.page(userID: userID, try PageRequest(request, order: .newestFirst), logger: context.logger)
    }

    @Sendable func rename(_ request: Request, context: AuthenticatedContext) async throws -> PasskeyView {
        let userID = try context.identity.requireUser()
        let id = try context.parameters.uuid("id", "passkey")
        let body = try await request.decode(as: PasskeyRename.self, context: context)
        let name = body.deviceName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(name.count) else { throw Problem.validation(field: "device_name", "must be 1 to 100 characters") }
        guard let view = try await self.auth.passkeyStore.rename(id, userID: userID, to: name, logger: context.logger) else {
            throw Problem.notFound("No such passkey.")
        }
        return view
    }

    /// Someone else's passkey is reported as missing. The last way to sign in cannot be removed:
    /// the user's row is locked while the methods are counted, so two deletions cannot race past it.
    /// Removing a passkey is an account-security change: step-up applies.
    @Sendable func delete(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let userID = try context.identity.requireUser()
        try await self.auth.requireStepUp(context.identity, logger: context.logger)
        let id = try context.parameters.uuid("id", "passkey")
        let ip = self.auth.clientIP(request, context)
        try await self.auth.postgres.transaction(logger: context.logger) { connection in
            let methods = try await SignInMethods.lockingUser(userID, on: connection, logger: context.logger)
            let owned = try await connection.query(
                "SELECT 1 FROM auth.passkeys WHERE id = \(id) AND user_id = \(userID)", logger: context.logger)
            var exists = false
            for try await _ in owned.decode(Int.self) { exists = true }
            guard exists else { throw Problem.notFound("No such passkey.") }
            try methods.requireAnotherAfterRemovingOne()
            let name = try await self.auth.passkeyStore.delete(id, userID: userID, on: connection, logger: context.logger)
            try await self.auth.history.record(
                .passkeyRemoved, userID: userID, method: "passkey", ip: ip, userAgent: UserAgent(header: request.headers[.userAgent]),
                success: true, reason: name, on: connection, logger: context.logger)
            try await self.auth.audit(
                "mfa.passkey_removed", actor: .user(userID), target: .resource(type: "passkey", id: id), request: request, context: context,
                on: connection)
        }
        return .noContent
    }

    func user(_ context: AuthenticatedContext) async throws -> User {
        guard let id = context.identity.userID, let user = try await self.auth.users.find(id: id, logger: context.logger) else {
            throw Problem.unauthorized("This token does not belong to a user account.")
        }
        return user
    }
}

extension SignInProof {
    /// A passkey with user verification: something held (hwk) and a PIN or biometric (user).
    static let passkey = SignInProof(method: "passkey", amr: ["hwk", "user"], isMultiFactor: true)
}
