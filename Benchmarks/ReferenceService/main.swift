import Foundation
import Hummingbird
import Logging
import PostgresNIO

// `make bench` (BENCH_ONLY=kit): the framework alone, the same-run reference for the kit's
// per-request cost (issue 19). Plain Hummingbird 2 with no ServiceKit: `GET /hello` answers a
// constant, `GET /select1` runs `SELECT 1` through a `PostgresClient` pooled as Tract's are
// (DATABASE_POOL_SIZE, default 10). No logging, metrics or middleware of any kind.
// Env: PORT (18099), DATABASE_URL (postgres://user:password@host:port/database), DATABASE_POOL_SIZE (10).

let environment = ProcessInfo.processInfo.environment
let port = Int(environment["PORT"] ?? "18099") ?? 18099
var logger = Logger(label: "reference-service")
logger.logLevel = .warning

guard let databaseURL = environment["DATABASE_URL"].flatMap(URLComponents.init(string:)),
    let user = databaseURL.user, let host = databaseURL.host
else {
    FileHandle.standardError.write(Data("DATABASE_URL must be postgres://user:password@host:port/database\n".utf8))
    exit(2)
}
var configuration = PostgresClient.Configuration(
    host: host, port: databaseURL.port ?? 5432, username: user, password: databaseURL.password,
    database: String(databaseURL.path.dropFirst()), tls: .disable)
configuration.options.maximumConnections = Int(environment["DATABASE_POOL_SIZE"] ?? "10") ?? 10
let postgres = PostgresClient(configuration: configuration, backgroundLogger: logger)

let router = Router()
router.get("hello") { _, _ in "Hello" }
router.get("select1") { _, context in
    let rows = try await postgres.query("SELECT 1", logger: context.logger)
    for try await value in rows.decode(Int.self) { return String(value) }
    throw HTTPError(.internalServerError)
}
let app = Application(
    router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), services: [postgres], logger: logger)
try await app.runService()
