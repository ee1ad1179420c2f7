import Foundation
import Hummingbird
import Models
import ServiceKit

/// Profiles (seed 001 §2.2, issue 16): the signed-in user's own (`GET/PATCH /v1/auth/me/profile`)
/// and profile pages (`GET /v1/auth/profiles/{user_id_or_slug}`), showing each caller only what
/// `ProfileVisibility` lets them see.
struct ProfileController: RouteController {
    let auth: AuthContext
    var store: ProfileStore { ProfileStore(postgres: self.auth.postgres) }

    /// Mounted at `/v1/auth/profiles`: open to anonymous callers (a bad token is still a 401).
    var publicEndpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .get(":user_id_or_slug", use: self.page)
    }

    /// Mounted at `/v1/auth/me/profile`.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.show).patch(use: self.update)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> OwnProfile {
        let userID = try context.identity.requireUser()
        guard let profile = try await self.store.own(userID, logger: context.logger) else {
            throw Problem.unauthorized("This token does not belong to a user account.")
        }
        return profile
    }

    /// PATCH semantics: a key left out keeps its value, `null` clears it; `visibility` is changed
    /// group by group (groups left out keep their level). The result is checked as a whole, so
    /// `check_size_min ≤ check_size_max` holds whichever of the two the patch touched.
    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> OwnProfile {
        let userID = try context.identity.requireUser()
        let patch = try await request.decode(as: JSONValue.self, context: context)
        // Keys are checked before anything is read, so a typo is a 422 whatever is stored.
        try BodyFields(patch, allowed: Set(ProfileFields.keys), required: ProfileFields.required).check()
        let audit = AuditRequest(requestID: context.requestID, ip: self.auth.clientIP(request, context))
        return try await self.store.update(userID, request: audit, logger: context.logger) { stored in
            try Self.apply(patch, over: stored)
        }
    }

    /// The patch laid over the stored fields and checked. Pure.
    static func apply(_ patch: JSONValue, over stored: ProfileFields) throws -> ProfileFields {
        var patch = patch
        if case .object(var changes) = patch, case .object(let levels)? = changes["visibility"] {
            var merged = stored.visibility.mapValues(JSONValue.string)
            for (group, level) in levels { merged[group] = level }
            changes["visibility"] = .object(merged)
            patch = .object(changes)
        }
        let merged = try BodyFields.merging(patch, over: try JSONValue(encoding: stored), writable: ProfileFields.keys)
        let fields = try BodyFields(merged, allowed: Set(ProfileFields.keys), required: ProfileFields.required).decode(ProfileFields.self)
        var errors = FieldErrors()
        errors.add(contentsOf: ProfileRules.problems(fields))
        try errors.check()
        return fields
    }

    @Sendable func page(_ request: Request, context: TractRequestContext) async throws -> JSONDocument {
        let address = context.parameters.get("user_id_or_slug") ?? ""
        // A service token's subject is a client, not a member: it sees what anonymous callers see.
        let viewer: ProfileVisibility.Viewer = context.identity?.userID.map { .signedIn($0) } ?? .anonymous
        guard address.count <= 64, let found = try await self.store.page(address, logger: context.logger),
            let groups = ProfileVisibility.visibleGroups(
                owner: found.owner, isSponsor: found.isSponsor, levels: Self.levels(found.document["visibility"]), viewer: viewer)
        else {
            throw Problem.notFound("No profile page has this address.")
        }
        let page = ProfileVisibility.page(found.document, groups: groups)
        return JSONDocument(String(decoding: try JSONEncoder.tract.encode(JSONValue.object(page)), as: UTF8.self))
    }

    static func levels(_ value: JSONValue?) -> [String: String] {
        guard case .object(let object)? = value else { return [:] }
        return object.compactMapValues { level in
            if case .string(let text) = level { return text }
            return nil
        }
    }
}
