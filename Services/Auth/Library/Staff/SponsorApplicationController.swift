import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// `POST/GET /v1/auth/sponsor-applications`: a signed-in user asks to list projects as a sponsor
/// and follows their applications (issue 16, "Becoming a sponsor").
struct SponsorApplicationController: RouteController {
    let auth: AuthContext
    var applications: SponsorApplications { SponsorApplications(postgres: self.auth.postgres, ids: self.auth.ids) }

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post(use: self.apply)
            .get(use: self.mine)
    }

    @Sendable func apply(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let userID = try context.identity.requireUser()
        let body = try await request.decode(as: SponsorApplicationRequest.self, context: context).checked()
        let user = try await self.auth.staffUsers.account(userID, logger: context.logger)
        guard let user, user.status == "active" else { throw Problem.forbidden("This account cannot apply.") }
        guard RoleHats.mayApplyForSponsor(user.accountRole) else {
            throw Problem(.conflict, detail: "This account is already a \(user.accountRole.rawValue); there is nothing to apply for.")
        }
        guard user.emailVerified else { throw Problem.forbidden("Verify your email address before applying.") }
        let created = try await self.auth.postgres.transaction(logger: context.logger) { connection in
            guard let created = try await self.applications.create(userID: userID, body, on: connection, logger: context.logger) else {
                throw Problem(.conflict, detail: "You already have an application waiting for review.")
            }
            try await self.auth.audit(
                "sponsor_application.submitted", actor: .user(userID), target: .resource(type: "sponsor_application", id: created.id),
                request: request, context: context, on: connection)
            return created
        }
        var response = try TractResponseEncoder().encode(created, from: request, context: context)
        response.status = .created
        return response
    }

    @Sendable func mine(_ request: Request, context: AuthenticatedContext) async throws -> Page<SponsorApplicationView> {
        let userID = try context.identity.requireUser()
        return try await self.applications.mine(userID: userID, PageRequest(request), logger: context.logger)
    }
}

/// `/v1/auth/admin/sponsor-applications`: staff review. Approval makes the applicant a sponsor in
/// their next access token (a refresh), keeping every hat they held; both outcomes are mailed.
struct SponsorReviewController: RouteController {
    let auth: AuthContext
    var applications: SponsorApplications { SponsorApplications(postgres: self.auth.postgres, ids: self.auth.ids) }

    static let statuses: Set<String> = ["pending", "approved", "rejected"]

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.list)
            .post(":id/approve", use: self.approve)
            .post(":id/reject", use: self.reject)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Page<SponsorApplicationView> {
        _ = try context.identity.requireStaff()
        let status = request.uri.queryParameters["status"].map(String.init)
        var errors = FieldErrors()
        errors.oneOf("status", status, Self.statuses)
        try errors.check()
        return try await self.applications.all(status: status, PageRequest(request), logger: context.logger)
    }

    @Sendable func approve(_ request: Request, context: AuthenticatedContext) async throws -> SponsorApplicationView {
        try await self.decide(request, context: context, reason: nil)
    }

    @Sendable func reject(_ request: Request, context: AuthenticatedContext) async throws -> SponsorApplicationView {
        _ = try context.identity.requireStaff()
        let reason = try await request.decode(as: RejectionRequest.self, context: context).checked()
        return try await self.decide(request, context: context, reason: reason)
    }

    /// Approves (`reason` nil) or rejects, in one transaction with the role change, its event, the
    /// mail and the audit row.
    func decide(_ request: Request, context: AuthenticatedContext, reason: String?) async throws -> SponsorApplicationView {
        let staff = try context.identity.requireStaff()
        let id = try context.parameters.uuid("id", "sponsor application")
        let logger = context.logger
        return try await self.auth.postgres.transaction(logger: logger) { connection in
            let decided: SponsorApplicationView
            switch try await self.applications.decide(id, approve: reason == nil, reason: reason, by: staff, on: connection, logger: logger) {
            case .missing: throw Problem.notFound("No sponsor application has this id.")
            case .alreadyDecided: throw Problem(.conflict, detail: "This application has already been decided.")
            case .decided(let application): decided = application
            }
            guard let applicant = try await self.auth.staffUsers.lock(decided.userId, on: connection, logger: logger) else {
                throw Problem(.conflict, detail: "The applicant's account no longer exists.")
            }
            let greeting = applicant.firstName ?? "there"
            if reason == nil {
                guard RoleHats.mayApplyForSponsor(applicant.accountRole) else {
                    throw Problem(.conflict, detail: "The applicant is already a \(applicant.accountRole.rawValue).")
                }
                try await self.auth.staffUsers.makeSponsor(applicant, on: connection, logger: logger)
                try await self.auth.outbox.publish(
                    UserRoleChanged(
                        userId: applicant.id, previousRole: applicant.accountRole.rawValue, currentRole: AccountRole.sponsor.rawValue,
                        reason: "sponsor_application_approved"),
                    on: connection, logger: logger)
                try await self.auth.mail.request(
                    "sponsor_application_approved", to: applicant.email,
                    variables: ["greeting_name": greeting, "legal_name": decided.legalName], about: applicant.id, on: connection, logger: logger)
            } else {
                try await self.auth.mail.request(
                    "sponsor_application_rejected", to: applicant.email,
                    variables: ["greeting_name": greeting, "legal_name": decided.legalName, "reason": reason ?? ""], about: applicant.id,
                    on: connection, logger: logger)
            }
            try await self.auth.audit(
                reason == nil ? "sponsor_application.approved" : "sponsor_application.rejected", actor: .staff(staff),
                target: .resource(type: "sponsor_application", id: decided.id),
                before: ["status": "pending", "role": applicant.accountRole.rawValue],
                after: ["status": decided.status, "role": reason == nil ? AccountRole.sponsor.rawValue : applicant.accountRole.rawValue],
                request: request, context: context, on: connection)
            return decided
        }
    }
}
