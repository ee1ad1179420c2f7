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

    /// Mounted at `/internal/v1/users`.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .add(middleware: RequireScopeMiddleware(Scope.exportUsers))
            .get(":id/export", use: self.export)
    }

    @Sendable func export(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let id = try context.parameters.uuid("id", "user")
        return JSONDocument(try await PersonalDataExport.json(of: id, in: self.tables, postgres: self.postgres, logger: context.logger))
    }
}
