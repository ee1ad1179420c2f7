import Foundation
import Hummingbird
import Models
import ServiceKit

struct CurrentRoleChange: Decodable, Sendable {
    var currentRole: String
}

/// The hats after a switch: `roles` is what the next access token carries, active first.
struct CurrentRoleReply: Codable, ResponseEncodable, Sendable {
    var currentRole: String
    var roles: [String]
}

/// `PUT /v1/auth/me/current-role` (seed 000, "UPDATE current_role if specified"): a user holding
/// several hats (investor and sponsor, investor and developer) chooses the one they wear. It moves
/// that role to the front of the next access token's `roles` (after a refresh); no role is removed,
/// so no service's check changes. Clients read `roles[0]` to pick the dashboard and onboarding.
struct CurrentRoleController: RouteController {
    let auth: AuthContext

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .put(use: self.change)
    }

    @Sendable func change(_ request: Request, context: AuthenticatedContext) async throws -> CurrentRoleReply {
        let userID = try context.identity.requireUser()
        let body = try await request.decode(as: CurrentRoleChange.self, context: context)
        let held = try await self.auth.heldRoles.tokenRoles(of: userID, logger: context.logger)
        let choices = held.filter(RoleHats.switchable.contains)
        guard let role = Role(rawValue: body.currentRole), choices.contains(role) else {
            throw Problem.validation(
                field: "current_role", "must be one of the roles you hold: \(choices.map(\.rawValue).sorted().joined(separator: ", "))")
        }
        try await self.auth.postgres.transaction(logger: context.logger) { connection in
            try await self.auth.staffUsers.setActiveRole(userID, to: role, on: connection, logger: context.logger)
            try await self.auth.audit(
                "user.current_role_changed", actor: .user(userID), target: .user(userID), before: held.first.map { ["current_role": $0.rawValue] },
                after: ["current_role": role.rawValue], request: request, context: context, on: connection)
        }
        return CurrentRoleReply(currentRole: role.rawValue, roles: RoleHats.ordered(held, active: role).map(\.rawValue))
    }
}
