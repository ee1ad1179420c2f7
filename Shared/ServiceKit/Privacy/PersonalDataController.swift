import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO

/// `GET /internal/v1/users/{id}/export` on every service: the service's rows about the user
/// (`ServiceDefinition.personalData`) as one JSON object, for auth's data export only (scope
/// `internal:users.export`). A user with no rows gets every table with an empty list, not a 404:
/// "nothing about you here" is an answer the export must be able to show.
struct PersonalDataController: Sendable {
    let tables: [PersonalDataTable]
    let postgres: PostgresClient

    let schema: String

    /// Mounted at `/internal/v1/users`.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .add(middleware: RequireScopeMiddleware(Scope.exportUsers))
            .get(":id/export", use: self.export)
    }

    /// Mounted at `/internal/v1/users` too: account deletion, auth's call only (scope
    /// `internal:users.erase`).
    var erasureEndpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .add(middleware: RequireScopeMiddleware(Scope.eraseUsers))
            .post(":id/erasure", use: self.erase)
    }

    /// Deletes or anonymises the user's rows (`PersonalDataErasure`) and answers 204: the answer
    /// is auth's acknowledgement. Asked again (auth retries when an answer was lost) it finds
    /// nothing left and answers 204 again.
    @Sendable func erase(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let id = try context.parameters.uuid("id", "user")
        var fields = try BodyFields(
            try await request.decode(as: JSONValue.self, context: context), allowed: ["anonymous_id", "email"], required: ["anonymous_id"])
        let anonymousID = fields.uuid("anonymous_id", required: true)
        let email = fields.text("email", max: 320)
        try fields.check()
        guard let anonymousID else { throw Problem.validation(field: "anonymous_id", "is required") }
        guard anonymousID != id else { throw Problem.validation(field: "anonymous_id", "must not be the user's id") }
        try await PersonalDataErasure.erase(
            id, anonymousID: anonymousID, email: email, in: self.tables, schema: self.schema, postgres: self.postgres, logger: context.logger)
        context.logger.info("personal data erased", metadata: ["tables": .stringConvertible(self.tables.count)])
        return .noContent
    }

    @Sendable func export(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let id = try context.parameters.uuid("id", "user")
        return JSONDocument(try await PersonalDataExport.json(of: id, in: self.tables, postgres: self.postgres, logger: context.logger))
    }
}
