import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

struct SuspensionRequest: Decodable, Sendable {
    var reason: String

    func checked() throws -> String {
        var errors = FieldErrors()
        errors.text("reason", self.reason, max: 2000, required: true, multiline: true)
        try errors.check()
        return self.reason.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

struct RoleAssignment: Decodable, Sendable {
    /// Seed 000's role for the account: investor, developer, both, sponsor or admin.
    var role: String

    func checked() throws -> AccountRole {
        guard let role = AccountRole(rawValue: self.role) else {
            throw Problem.validation(field: "role", "must be one of: \(AccountRole.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return role
    }
}

/// `/v1/auth/admin/users`: staff search accounts, suspend and reinstate them, set their role,
/// sign them out and resend their verification mail (issue 16, "Staff admin"). Every change is
/// in the audit log, in the transaction that makes it. Staff cannot suspend themselves or change
/// their own role: another staff member must.
struct StaffAdminController: RouteController {
    let auth: AuthContext

    static let statuses: Set<String> = ["active", "suspended"]

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.search)
            .get(":id", use: self.show)
            .post(":id/suspend", use: self.suspend)
            .post(":id/reinstate", use: self.reinstate)
            .put(":id/roles", use: self.setRole)
            .post(":id/sign-out", use: self.signOut)
            .post(":id/resend-verification", use: self.resendVerification)
    }

    @Sendable func search(_ request: Request, context: AuthenticatedContext) async throws -> Page<StaffUserView> {
        _ = try context.identity.requireStaff()
        let query = request.uri.queryParameters
        let q = query["q"].map(String.init)
        let role = query["role"].map(String.init)
        let status = query["status"].map(String.init)
        var errors = FieldErrors()
        errors.text("q", q, max: 200)
        errors.oneOf("role", role, Set(AccountRole.allCases.map(\.rawValue)))
        errors.oneOf("status", status, Self.statuses)
        try errors.check()
        return try await self.auth.staffUsers.search(query: q, role: role, status: status, PageRequest(request), logger: context.logger)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> StaffUserView {
        _ = try context.identity.requireStaff()
        let id = try context.parameters.uuid("id", "user")
        guard let user = try await self.auth.staffUsers.view(id, logger: context.logger) else { throw Problem.notFound("No user has this id.") }
        return user
    }

    /// Suspends and revokes every session at once (their refresh tokens die with them); sign-in by
    /// any method is refused in `AuthContext.openSession` until reinstatement.
    @Sendable func suspend(_ request: Request, context: AuthenticatedContext) async throws -> StaffUserView {
        let staff = try context.identity.requireStaff()
        let body = try await request.decode(as: SuspensionRequest.self, context: context)
        let reason = try body.checked()
        return try await self.change(request, context, refusingSelf: "suspend") { target, connection in
            guard target.status == "active" else { throw Problem(.conflict, detail: "This account is already suspended.") }
            try await self.auth.staffUsers.suspend(target, reason: reason, on: connection, logger: context.logger)
            let revoked = try await self.revokeSessions(of: target.id, reason: "suspended", on: connection, logger: context.logger)
            try await self.auth.audit(
                "user.suspended", actor: .staff(staff), target: .user(target.id), before: ["status": "active"],
                after: ["status": "suspended", "sessions_revoked": String(revoked)], request: request, context: context, on: connection)
        }
    }

    @Sendable func reinstate(_ request: Request, context: AuthenticatedContext) async throws -> StaffUserView {
        let staff = try context.identity.requireStaff()
        return try await self.change(request, context, refusingSelf: nil) { target, connection in
            guard target.status == "suspended" else { throw Problem(.conflict, detail: "This account is not suspended.") }
            try await self.auth.staffUsers.reinstate(target, on: connection, logger: context.logger)
            try await self.auth.audit(
                "user.reinstated", actor: .staff(staff), target: .user(target.id), before: ["status": "suspended"], after: ["status": "active"],
                request: request, context: context, on: connection)
        }
    }

    /// Takes effect in the user's next access token (a refresh), like every role change.
    @Sendable func setRole(_ request: Request, context: AuthenticatedContext) async throws -> StaffUserView {
        let staff = try context.identity.requireStaff()
        let role = try await request.decode(as: RoleAssignment.self, context: context).checked()
        return try await self.change(request, context, refusingSelf: "change the role of") { target, connection in
            guard target.accountRole != role else { return }
            try await self.auth.staffUsers.setRole(target, to: role, on: connection, logger: context.logger)
            try await self.auth.outbox.publish(
                UserRoleChanged(userId: target.id, previousRole: target.accountRole.rawValue, currentRole: role.rawValue, reason: "staff"),
                on: connection, logger: context.logger)
            try await self.auth.audit(
                "user.role_changed", actor: .staff(staff), target: .user(target.id), before: ["role": target.accountRole.rawValue],
                after: ["role": role.rawValue], request: request, context: context, on: connection)
        }
    }

    @Sendable func signOut(_ request: Request, context: AuthenticatedContext) async throws -> StaffUserView {
        let staff = try context.identity.requireStaff()
        return try await self.change(request, context, refusingSelf: nil) { target, connection in
            let revoked = try await self.revokeSessions(of: target.id, reason: "signed_out_by_staff", on: connection, logger: context.logger)
            try await self.auth.audit(
                "user.signed_out_by_staff", actor: .staff(staff), target: .user(target.id), after: ["sessions_revoked": String(revoked)],
                request: request, context: context, on: connection)
        }
    }

    /// Rate-limited like every mail auth sends: per staff address and per destination.
    @Sendable func resendVerification(_ request: Request, context: AuthenticatedContext) async throws -> StaffUserView {
        let staff = try context.identity.requireStaff()
        let ip = self.auth.clientIP(request, context)
        return try await self.change(request, context, refusingSelf: nil) { target, connection in
            guard !target.emailVerified else { throw Problem(.conflict, detail: "This address is already verified.") }
            try await self.auth.mail.checkLimits(to: target.email, ip: ip, logger: context.logger)
            let token = try await self.auth.emailTokens.issue(.verifyEmail, userID: target.id, on: connection, logger: context.logger)
            try await self.auth.mail.request(
                "verify_email", to: target.email,
                variables: ["email": target.email, "link": self.auth.mail.link("verify-email", token: token), "expires_in_minutes": "1440"],
                on: connection, logger: context.logger)
            try await self.auth.audit(
                "user.verification_resent", actor: .staff(staff), target: .user(target.id), request: request, context: context, on: connection)
        }
    }

    /// Locks the target, runs `body` in one transaction, and answers the account as it is now.
    /// `refusingSelf`: the verb of an action staff may not take on their own account (403).
    func change(
        _ request: Request, _ context: AuthenticatedContext, refusingSelf verb: String?,
        _ body: @escaping @Sendable (StaffTarget, PostgresConnection) async throws -> Void
    ) async throws -> StaffUserView {
        let staff = try context.identity.requireStaff()
        let id = try context.parameters.uuid("id", "user")
        if let verb, id == staff { throw Problem.forbidden("Staff cannot \(verb) their own account; ask another staff member.") }
        return try await self.auth.postgres.transaction(logger: context.logger) { connection in
            guard let target = try await self.auth.staffUsers.lock(id, on: connection, logger: context.logger) else {
                throw Problem.notFound("No user has this id.")
            }
            try await body(target, connection)
            guard let view = try await self.auth.staffUsers.view(id, on: connection, logger: context.logger) else {
                throw Problem.notFound("No user has this id.")
            }
            return view
        }
    }

    /// Revokes every live session (and so every refresh token) with history rows and
    /// `session.revoked` events; returns how many there were.
    func revokeSessions(of userID: UUID, reason: String, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        let revoked = try await self.auth.sessions.revokeAll(userID: userID, except: nil, reason: reason, on: connection, logger: logger)
        for sessionID in revoked {
            try await self.auth.history.record(
                .sessionRevoked, userID: userID, ip: nil, success: true, reason: "\(reason): session \(sessionID)", on: connection, logger: logger)
            try await self.auth.outbox.publish(SessionRevoked(userId: userID, sessionId: sessionID, reason: reason), on: connection, logger: logger)
        }
        return revoked.count
    }
}
