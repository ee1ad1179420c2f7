import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

struct NewOrganization: Decodable, Sendable {
    var slug: String
    var name: String
    var kind: String
}

struct OrganizationRename: Decodable, Sendable {
    var name: String
}

struct MemberRoleChange: Decodable, Sendable {
    var role: String
}

struct OwnershipTransfer: Decodable, Sendable {
    var userId: String
}

struct NewInvitation: Decodable, Sendable {
    var email: String
    var role: String
}

/// Organisations (issue 16): create, list the caller's, read, rename, members and their roles,
/// leaving, ownership transfer, invitations, and switching the session's active organisation (the
/// `org` claim). Mounted at `/v1/auth/organizations`; README, "Organisations".
struct OrganizationController: RouteController {
    let auth: AuthContext
    let organizations: Organizations
    let invitations: OrganizationInvitations

    init(auth: AuthContext) {
        self.auth = auth
        self.organizations = Organizations(postgres: auth.postgres, ids: auth.ids)
        self.invitations = OrganizationInvitations(
            postgres: auth.postgres, lifetime: auth.settings.invitationLifetime, clock: auth.accessTokens.clock, ids: auth.ids)
    }

    static let userOnly = "Organisations are for signed-in users, not service clients."

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post(use: self.create)
            .get(use: self.list)
            .get(":id", use: self.show)
            .patch(":id", use: self.rename)
            .get(":id/members", use: self.members)
            .patch(":id/members/:user_id", use: self.changeRole)
            .delete(":id/members/:user_id", use: self.removeMember)
            .post(":id/transfer-ownership", use: self.transferOwnership)
            .post(":id/switch", use: self.switchActive)
            .get(":id/invitations", use: self.pendingInvitations)
            .post(":id/invitations", use: self.invite)
            .delete(":id/invitations/:invitation_id", use: self.revokeInvitation)
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<OrganizationView> {
        let userID = try context.identity.requireUser(Self.userOnly)
        guard OrganizationRules.creatorRoles.contains(where: context.identity.has(role:)) else {
            throw Problem.forbidden("Sponsors, developers and admins create organisations.")
        }
        let body = try await Self.fields(request, context: context, allowed: ["slug", "name", "kind"]).decode(NewOrganization.self)
        var errors = FieldErrors()
        if !OrganizationRules.isValidSlug(body.slug) {
            errors.add("slug", "must be 3 to 63 lower-case letters, digits or hyphens, starting and ending with a letter or digit")
        }
        errors.text("name", body.name, max: 200, required: true)
        errors.oneOf("kind", body.kind, ["sponsor_firm", "development_company"])
        try errors.check()
        let name = body.name.trimmingCharacters(in: .whitespaces)
        let audit = self.auditRequest(request, context)
        let view = try await self.auth.postgres.transaction(logger: context.logger) { connection in
            let view = try await self.organizations.create(
                slug: body.slug, name: name, kind: body.kind, by: userID, on: connection, logger: context.logger)
            try await AuditLog.record(
                AuditEntry(
                    action: "organization.created", actor: .user(userID), target: .resource(type: "organization", id: view.id),
                    after: ["slug": view.slug, "kind": view.kind], request: audit),
                on: connection, logger: context.logger)
            return view
        }
        return EditedResponse(status: .created, headers: [.location: "/v1/auth/organizations/\(view.id)"], response: view)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Page<OrganizationView> {
        let userID = try context.identity.requireUser(Self.userOnly)
        return try await self.organizations.list(for: userID, try PageRequest(request), logger: context.logger)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> OrganizationView {
        let userID = try context.identity.requireUser(Self.userOnly)
        let id = try context.parameters.uuid("id", "organisation")
        guard let view = try await self.organizations.find(id, for: userID, logger: context.logger) else {
            throw Problem.notFound("No organisation has this id.")
        }
        return view
    }

    @Sendable func rename(_ request: Request, context: AuthenticatedContext) async throws -> OrganizationView {
        let userID = try context.identity.requireUser(Self.userOnly)
        let id = try context.parameters.uuid("id", "organisation")
        let body = try await Self.fields(request, context: context, allowed: ["name"]).decode(OrganizationRename.self)
        var errors = FieldErrors()
        errors.text("name", body.name, max: 200, required: true)
        try errors.check()
        return try await self.auth.postgres.transaction(logger: context.logger) { connection in
            let caller = try await Organizations.membership(id, of: userID, on: connection, logger: context.logger)
            guard caller.role.canManage else { throw Problem.forbidden("Only the organisation's owner and admins rename it.") }
            try await self.organizations.rename(id, to: body.name.trimmingCharacters(in: .whitespaces), on: connection, logger: context.logger)
            return try await Organizations.membership(id, of: userID, on: connection, logger: context.logger)
        }
    }

    @Sendable func members(_ request: Request, context: AuthenticatedContext) async throws -> Page<MemberView> {
        let userID = try context.identity.requireUser(Self.userOnly)
        let id = try context.parameters.uuid("id", "organisation")
        let page = try PageRequest(request, order: .oldestFirst)
        guard try await self.organizations.find(id, for: userID, logger: context.logger) != nil else {
            throw Problem.notFound("No organisation has this id.")
        }
        return try await self.organizations.members(of: id, page, logger: context.logger)
    }

    @Sendable func changeRole(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let userID = try context.identity.requireUser(Self.userOnly)
        let id = try context.parameters.uuid("id", "organisation")
        let target = try context.parameters.uuid("user_id", "member")
        let body = try await Self.fields(request, context: context, allowed: ["role"]).decode(MemberRoleChange.self)
        guard let role = OrganizationRole(rawValue: body.role) else {
            throw Problem.validation(field: "role", "must be one of: admin, member, viewer")
        }
        let audit = self.auditRequest(request, context)
        try await self.auth.postgres.transaction(logger: context.logger) { connection in
            let caller = try await Organizations.membership(id, of: userID, on: connection, logger: context.logger)
            guard let current = try await Organizations.role(of: target, in: id, on: connection, logger: context.logger) else {
                throw Problem.notFound("This user is not a member of the organisation.")
            }
            if let refusal = OrganizationRules.changeRole(actor: caller.role, target: current, to: role) { throw refusal.problem }
            guard current != role else { return }
            try await Organizations.setRole(role, of: target, in: id, on: connection, logger: context.logger)
            try await AuditLog.record(
                AuditEntry(
                    action: "organization.member.role_changed", actor: .user(userID), target: .user(target),
                    before: Self.membership(id, current), after: Self.membership(id, role), request: audit),
                on: connection, logger: context.logger)
        }
        return .noContent
    }

    @Sendable func removeMember(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let userID = try context.identity.requireUser(Self.userOnly)
        let id = try context.parameters.uuid("id", "organisation")
        let target = try context.parameters.uuid("user_id", "member")
        let audit = self.auditRequest(request, context)
        try await self.auth.postgres.transaction(logger: context.logger) { connection in
            let caller = try await Organizations.membership(id, of: userID, on: connection, logger: context.logger)
            guard let current = try await Organizations.role(of: target, in: id, on: connection, logger: context.logger) else {
                throw Problem.notFound("This user is not a member of the organisation.")
            }
            if let refusal = OrganizationRules.remove(actor: caller.role, target: current, isSelf: target == userID) { throw refusal.problem }
            try await Organizations.removeMember(target, from: id, on: connection, logger: context.logger)
            try await AuditLog.record(
                AuditEntry(
                    action: target == userID ? "organization.member.left" : "organization.member.removed", actor: .user(userID),
                    target: .user(target), before: Self.membership(id, current), request: audit),
                on: connection, logger: context.logger)
        }
        return .noContent
    }

    @Sendable func transferOwnership(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let userID = try context.identity.requireUser(Self.userOnly)
        let id = try context.parameters.uuid("id", "organisation")
        let body = try await Self.fields(request, context: context, allowed: ["user_id"]).decode(OwnershipTransfer.self)
        guard let target = UUID(uuidString: body.userId) else { throw Problem.validation(field: "user_id", "must be a member's user id") }
        let audit = self.auditRequest(request, context)
        try await self.auth.postgres.transaction(logger: context.logger) { connection in
            let caller = try await Organizations.membership(id, of: userID, on: connection, logger: context.logger)
            if let refusal = OrganizationRules.transfer(actor: caller.role, isSelf: target == userID) { throw refusal.problem }
            guard let previous = try await Organizations.role(of: target, in: id, on: connection, logger: context.logger) else {
                throw Problem.validation(field: "user_id", "must be a member of the organisation")
            }
            // Demote first: at most one owner at any moment (the partial unique index).
            try await Organizations.setRole(.admin, of: userID, in: id, on: connection, logger: context.logger)
            try await Organizations.setRole(.owner, of: target, in: id, on: connection, logger: context.logger)
            try await AuditLog.record(
                AuditEntry(
                    action: "organization.ownership.transferred", actor: .user(userID), target: .user(target),
                    before: Self.membership(id, previous),
                    after: ["organization_id": id.uuidString.lowercased(), "role": "owner", "previous_owner_role": "admin"],
                    request: audit),
                on: connection, logger: context.logger)
        }
        return .noContent
    }

    /// Makes the organisation (or `none`) the session's active one and answers a new access token
    /// whose `org` and `org_role` say so; the refresh token is unchanged and later refreshes keep
    /// the choice.
    @Sendable func switchActive(_ request: Request, context: AuthenticatedContext) async throws -> TokenResponse {
        let userID = try context.identity.requireUser(Self.userOnly)
        let raw = context.parameters.get("id") ?? ""
        let organization: UUID? = raw == "none" ? nil : try context.parameters.uuid("id", "organisation")
        guard let sessionID = context.identity.sessionID.flatMap(UUID.init(uuidString:)) else {
            throw Problem.badRequest("This token has no session to switch.")
        }
        let switched = try await ActiveOrganization.switchTo(
            organization, session: sessionID, userID: userID, postgres: self.auth.postgres, logger: context.logger)
        switch switched {
        case .notAMember:
            throw Problem.notFound("No organisation has this id.")
        case .sessionEnded:
            throw Problem.unauthorized("This session has ended. Sign in again.")
        case .switched(let active, let proof):
            guard let user = try await self.auth.users.find(id: userID, logger: context.logger), user.status == "active" else {
                throw Problem.unauthorized("This account can no longer sign in.")
            }
            let factors = try await MFAFactors.of(userID, postgres: self.auth.postgres, logger: context.logger)
            let accessToken = try await self.auth.accessTokens.issue(
                subject: userID.uuidString.lowercased(), sessionID: sessionID,
                roles: try await self.auth.heldRoles.tokenRoles(of: userID, logger: context.logger), scopes: [Scope.user],
                authentication: proof.authentication(mfaEnrolled: factors.any), organization: active, logger: context.logger)
            return TokenResponse(accessToken: accessToken, expiresIn: self.auth.accessTokens.expiresIn)
        }
    }

    @Sendable func pendingInvitations(_ request: Request, context: AuthenticatedContext) async throws -> Page<InvitationView> {
        let userID = try context.identity.requireUser(Self.userOnly)
        let id = try context.parameters.uuid("id", "organisation")
        let page = try PageRequest(request)
        guard let caller = try await self.organizations.find(id, for: userID, logger: context.logger) else {
            throw Problem.notFound("No organisation has this id.")
        }
        guard caller.role.canManage else { throw Problem.forbidden("Only the organisation's owner and admins see its invitations.") }
        return try await self.invitations.pending(of: id, page, logger: context.logger)
    }

    /// Invites an address with a role and mails the link (`organization_invitation`, through the
    /// outbox in the same transaction, as every auth mail goes).
    @Sendable func invite(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<InvitationView> {
        let userID = try context.identity.requireUser(Self.userOnly)
        let id = try context.parameters.uuid("id", "organisation")
        let body = try await Self.fields(request, context: context, allowed: ["email", "role"]).decode(NewInvitation.self)
        let email = EmailAddress.normalize(body.email)
        var errors = FieldErrors()
        if !EmailAddress.isValid(email) { errors.add("email", "must be an email address") }
        let role = OrganizationRole(rawValue: body.role)
        if role == nil || role == .owner { errors.add("role", "must be one of: admin, member, viewer") }
        try errors.check()
        guard let role else { throw Problem.validation(field: "role", "must be one of: admin, member, viewer") }
        let ip = self.auth.clientIP(request, context)
        let lifetimeDays = Int(self.auth.settings.invitationLifetime.components.seconds / 86400)
        let audit = self.auditRequest(request, context)
        let view = try await self.auth.postgres.transaction(logger: context.logger) { connection in
            let caller = try await Organizations.membership(id, of: userID, on: connection, logger: context.logger)
            if let refusal = OrganizationRules.invite(actor: caller.role, role: role) { throw refusal.problem }
            try await self.auth.mail.checkLimits(to: email, ip: ip, logger: context.logger)
            let (view, token) = try await self.invitations.create(
                organization: id, email: email, role: role, by: userID, on: connection, logger: context.logger)
            // The invited address is personal data: the row names the invitation, not the email.
            try await AuditLog.record(
                AuditEntry(
                    action: "organization.invitation.created", actor: .user(userID),
                    target: .resource(type: "organization_invitation", id: view.id), after: Self.membership(id, role),
                    request: audit),
                on: connection, logger: context.logger)
            try await self.auth.mail.request(
                "organization_invitation", to: email,
                variables: [
                    "organization_name": caller.name, "role": role.rawValue,
                    "link": self.auth.mail.link("organization-invitations", token: token), "expires_in_days": String(lifetimeDays),
                ],
                on: connection, logger: context.logger)
            return view
        }
        return EditedResponse(status: .created, response: view)
    }

    @Sendable func revokeInvitation(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let userID = try context.identity.requireUser(Self.userOnly)
        let id = try context.parameters.uuid("id", "organisation")
        let invitation = try context.parameters.uuid("invitation_id", "invitation")
        let audit = self.auditRequest(request, context)
        try await self.auth.postgres.transaction(logger: context.logger) { connection in
            let caller = try await Organizations.membership(id, of: userID, on: connection, logger: context.logger)
            guard caller.role.canManage else { throw Problem.forbidden("Only the organisation's owner and admins withdraw invitations.") }
            guard try await self.invitations.revoke(invitation, of: id, on: connection, logger: context.logger) else {
                throw Problem.notFound("No pending invitation has this id.")
            }
            try await AuditLog.record(
                AuditEntry(
                    action: "organization.invitation.revoked", actor: .user(userID),
                    target: .resource(type: "organization_invitation", id: invitation.uuidString.lowercased()),
                    before: ["organization_id": id.uuidString.lowercased()], request: audit),
                on: connection, logger: context.logger)
        }
        return .noContent
    }

    func auditRequest(_ request: Request, _ context: AuthenticatedContext) -> AuditRequest {
        AuditRequest(requestID: context.requestID, ip: self.auth.clientIP(request, context))
    }

    /// An audit row's before/after of a membership: the organisation and the role (never the user).
    static func membership(_ organization: UUID, _ role: OrganizationRole) -> [String: String] {
        ["organization_id": organization.uuidString.lowercased(), "role": role.rawValue]
    }

    /// A JSON object body whose keys must be among `allowed` (all of them required).
    static func fields(_ request: Request, context: AuthenticatedContext, allowed: Set<String>) async throws -> BodyFields {
        try BodyFields(try await request.decode(as: JSONValue.self, context: context), allowed: allowed, required: allowed)
    }
}

struct InvitationAnswer: Decodable, Sendable {
    var token: String
}

/// The invited user's side: accept or decline with the token from the mail, signed in as the
/// account whose verified email it was sent to. Mounted at `/v1/auth/organization-invitations`.
struct InvitationAnswerController: RouteController {
    let auth: AuthContext
    let invitations: OrganizationInvitations

    init(auth: AuthContext) {
        self.auth = auth
        self.invitations = OrganizationInvitations(
            postgres: auth.postgres, lifetime: auth.settings.invitationLifetime, clock: auth.accessTokens.clock, ids: auth.ids)
    }

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post("accept", use: self.accept)
            .post("decline", use: self.decline)
    }

    @Sendable func accept(_ request: Request, context: AuthenticatedContext) async throws -> OrganizationView {
        let (user, token) = try await self.answerer(request, context: context)
        let audit = AuditRequest(requestID: context.requestID, ip: self.auth.clientIP(request, context))
        return try await self.auth.postgres.transaction(logger: context.logger) { connection in
            let answered = try await self.invitations.answer(.accept, token: token, email: user.email, on: connection, logger: context.logger)
            guard try await Organizations.addMember(user.id, to: answered.organizationID, role: answered.role, on: connection, logger: context.logger)
            else { throw Problem.conflict("You are a member of this organisation already.") }
            try await AuditLog.record(
                AuditEntry(
                    action: "organization.invitation.accepted", actor: .user(user.id),
                    target: .resource(type: "organization_invitation", id: answered.invitationID.uuidString.lowercased()),
                    after: OrganizationController.membership(answered.organizationID, answered.role),
                    request: audit),
                on: connection, logger: context.logger)
            return try await Organizations.membership(answered.organizationID, of: user.id, on: connection, logger: context.logger)
        }
    }

    @Sendable func decline(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let (user, token) = try await self.answerer(request, context: context)
        try await self.auth.postgres.transaction(logger: context.logger) { connection in
            _ = try await self.invitations.answer(.decline, token: token, email: user.email, on: connection, logger: context.logger)
        }
        return .noContent
    }

    /// The signed-in user, with a verified email (the invitation names an address; only its proven
    /// owner may answer), and the token the body carries.
    func answerer(_ request: Request, context: AuthenticatedContext) async throws -> (User, String) {
        let userID = try context.identity.requireUser(OrganizationController.userOnly)
        let body = try await OrganizationController.fields(request, context: context, allowed: ["token"]).decode(InvitationAnswer.self)
        guard !body.token.isEmpty, body.token.count <= 200 else { throw Problem.validation(field: "token", "must be the token from the invitation") }
        guard let user = try await self.auth.users.find(id: userID, logger: context.logger), user.emailVerifiedAt != nil else {
            throw Problem.forbidden("Verify your email address before answering an invitation.")
        }
        return (user, body.token)
    }
}
