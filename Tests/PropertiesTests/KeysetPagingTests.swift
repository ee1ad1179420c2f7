import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Models
import NIOCore
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

@testable import PropertiesService

/// Every paged list of `properties` outside media pages through the kit's one pager (issue 12):
/// 500 rows made in one statement (one `now()`, and ties in every sort key that allows them:
/// names, dates, distances, ranks) are each shown exactly once, seven at a time. The listing
/// search is swept in each of its five orders. The photos, documents, versions, shares and
/// signature requests are swept by `MediaKeysetPagingTests`.
@Suite struct KeysetPagingTests {
    /// The paged media paths `MediaKeysetPagingTests` answers for.
    static let mediaPaths: Set = [
        "/v1/properties/{id}/photos", "/v1/properties/{id}/documents", "/v1/documents/{id}/versions", "/v1/documents/{id}/shares",
        "/v1/documents/{id}/signature-requests",
    ]

    @Test func everyPagedListShowsEachRowOnce() async throws {
        let issuer = try TestIssuer()
        try await issuer.serve { jwksURL in
            try await TestDatabase.with(services: [.properties]) { database in
                let root = FileManager.default.temporaryDirectory.appendingPathComponent("tract-paging-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: root) }
                var settings = PropertiesSettings(censusGeocoderURL: PropertiesFixture.noGeocoder)
                settings.media = MediaSettings(backend: .filesystem(root: root))
                let app = try await buildApplication(
                    .forTesting(.properties, database: database, jwksURL: jwksURL), settings: settings,
                    overrides: ServiceOverrides(runsOutboxDispatcher: false)
                )
                try await app.test(.router) { client in
                    let sponsorID = UUID()
                    let sponsor = try await issuer.token(subject: sponsorID.uuidString.lowercased(), roles: [.sponsor])
                    let admin = try await issuer.token(subject: UUID().uuidString.lowercased(), roles: [.admin])
                    // Prospects: only their sponsor (and admins) see them and their parts.
                    let parts = try await Self.property(client, token: sponsor)
                    let renovated = try await Self.property(client, token: sponsor)
                    let project = try await Self.post(
                        client, "/v1/properties/\(renovated.uuidString.lowercased())/renovations", #"{"project_name": "Interiors"}"#, token: sponsor
                    )
                    let lists = Self.lists(sponsor: sponsorID, token: sponsor, admin: admin, parts: parts, renovated: renovated, project: project)
                    let document = try await client.execute(uri: "/openapi.json", method: .get) { response async throws in
                        try JSONDecoder().decode(JSONValue.self, from: Data(response.body.readableBytesView))
                    }
                    PagingSweep.expectCoverage(of: document, by: lists, except: Self.mediaPaths.union(["/internal/outbox/dead-letters"]))
                    try await TestDatabase.withAdmin(database: database.name) { postgres in
                        for list in lists { try await PagingSweep.check(list, postgres: postgres, client: client) }
                    }
                }
            }
        }
    }

    /// One list per paged path (the listing search once per order), each seeded in one statement.
    static func lists(sponsor: UUID, token: String, admin: String, parts: UUID, renovated: UUID, project: UUID) -> [PagedList] {
        let property = "/v1/properties/\(parts.uuidString.lowercased())"
        let projectPath = "/v1/properties/\(renovated.uuidString.lowercased())/renovations/\(project.uuidString.lowercased())"
        // The listing search: 500 listings of one city at one point, ten names among them, seeded
        // by the first order's list and paged again in each other order.
        let point = "near=32.46,-86.47"
        let searches = ["sort=oldest", "sort=name", "sort=distance&\(point)", "sort=relevance&q=paged"].map { query in
            PagedList("/v1/properties", url: "/v1/properties?city=Pagetown&\(query)", token: admin) { _ in }
        }
        return [
            PagedList("/v1/properties", url: "/v1/properties?city=Pagetown", token: admin) { postgres in
                try await Self.run(
                    """
                    INSERT INTO properties.properties (id, slug, property_name, address_line1, city, state, zip_code, total_units, sponsor_id,
                        latitude, longitude)
                    SELECT gen_random_uuid(), 'paged-' || n, 'Paged Court ' || (n % 10), n || ' Main St', 'Pagetown', 'AL', '36067', 10,
                        '\(sponsor)', 32.46, -86.47
                    FROM generate_series(1, 500) n
                    """,
                    on: postgres
                )
            }
        ] + searches + [
            PagedList("/v1/properties/{id}/units", url: "\(property)/units", token: token) { postgres in
                try await Self.run(
                    """
                    INSERT INTO properties.units (id, property_id, unit_number)
                    SELECT gen_random_uuid(), '\(parts)', 'U' || n FROM generate_series(1, 500) n
                    """,
                    on: postgres
                )
            },
            // Ten names: every page edge falls in a tie.
            PagedList("/v1/properties/{id}/floor-plans", url: "\(property)/floor-plans", token: token) { postgres in
                try await Self.run(
                    """
                    INSERT INTO properties.floor_plans (id, property_id, name)
                    SELECT gen_random_uuid(), '\(parts)', 'Plan ' || (n % 10) FROM generate_series(1, 500) n
                    """,
                    on: postgres
                )
            },
            // Half without a distance: those sort last, in the order they were added.
            PagedList("/v1/properties/{id}/comparables", url: "\(property)/comparables", token: token) { postgres in
                try await Self.run(
                    """
                    INSERT INTO properties.comparable_properties (id, property_id, comp_name, distance_miles)
                    SELECT gen_random_uuid(), '\(parts)', 'Comp ' || n, CASE WHEN n % 2 = 0 THEN (n % 7) * 1.25 END
                    FROM generate_series(1, 500) n
                    """,
                    on: postgres
                )
            },
            PagedList("/v1/properties/{id}/valuations", url: "\(property)/valuations", token: token) { postgres in
                try await Self.run(
                    """
                    INSERT INTO properties.property_valuations (id, property_id, valuation_date)
                    SELECT gen_random_uuid(), '\(parts)', date '2025-01-01' + (n % 5) FROM generate_series(1, 500) n
                    """,
                    on: postgres
                )
            },
            PagedList("/v1/properties/{id}/renovations", url: "\(property)/renovations", token: token) { postgres in
                try await Self.run(
                    """
                    INSERT INTO properties.renovation_projects (id, property_id, project_name)
                    SELECT gen_random_uuid(), '\(parts)', 'Project ' || n FROM generate_series(1, 500) n
                    """,
                    on: postgres
                )
            },
            // One live renovation per unit: 500 units of the project's property, made in the same statement.
            PagedList("/v1/properties/{id}/renovations/{project_id}/unit-renovations", url: "\(projectPath)/unit-renovations", token: token) {
                postgres in
                try await Self.run(
                    """
                    WITH u AS (
                        INSERT INTO properties.units (id, property_id, unit_number)
                        SELECT gen_random_uuid(), '\(renovated)', 'R' || n FROM generate_series(1, 500) n
                        RETURNING id
                    )
                    INSERT INTO properties.unit_renovations (id, project_id, property_id, unit_id)
                    SELECT gen_random_uuid(), '\(project)', '\(renovated)', u.id FROM u
                    """,
                    on: postgres
                )
            },
            PagedList("/v1/properties/{id}/renovations/{project_id}/progress-updates", url: "\(projectPath)/progress-updates", token: token) {
                postgres in
                try await Self.run(
                    """
                    INSERT INTO properties.renovation_progress_updates (id, project_id, property_id, update_date)
                    SELECT gen_random_uuid(), '\(project)', '\(renovated)', date '2025-03-01' + (n % 3) FROM generate_series(1, 500) n
                    """,
                    on: postgres
                )
            },
            PagedList("/v1/market-areas", token: token) { postgres in
                try await Self.run(
                    """
                    INSERT INTO properties.market_areas (id, market_name, state)
                    SELECT gen_random_uuid(), 'Market ' || (n % 10), chr(65 + (n / 26) % 26) || chr(65 + n % 26)
                    FROM generate_series(1, 500) n
                    """,
                    on: postgres
                )
            },
            PagedList("/v1/properties/{id}/videos", url: "\(property)/videos", token: token) { postgres in
                try await Self.run(
                    """
                    INSERT INTO media.property_videos (id, property_id, streaming_url, created_by)
                    SELECT gen_random_uuid(), '\(parts)', 'https://video.example.com/' || n, '\(sponsor)' FROM generate_series(1, 500) n
                    """,
                    on: postgres
                )
            },
            PagedList("/v1/properties/{id}/virtual-tours", url: "\(property)/virtual-tours", token: token) { postgres in
                try await Self.run(
                    """
                    INSERT INTO media.virtual_tours (id, property_id, tour_type, matterport_id, created_by)
                    SELECT gen_random_uuid(), '\(parts)', 'matterport', 'model' || n, '\(sponsor)' FROM generate_series(1, 500) n
                    """,
                    on: postgres
                )
            },
        ]
    }

    static let logger = Logger(label: "test.properties-paging")

    static func run(_ sql: String, on postgres: PostgresClient) async throws {
        try await postgres.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger)
    }

    /// A listing by the caller (a prospect: only its sponsor sees it).
    static func property(_ client: some TestClientProtocol, token: String) async throws -> UUID {
        try await Self.post(client, "/v1/properties", PropertyListingTests.elm, token: token)
    }

    /// POSTs `body`, expects a 201 and returns the new record's id.
    static func post(_ client: some TestClientProtocol, _ uri: String, _ body: String, token: String) async throws -> UUID {
        try await client.execute(
            uri: uri, method: .post, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
            body: ByteBuffer(string: body)
        ) { response async throws in
            #expect(response.status == .created)
            let created = try JSONDecoder().decode(JSONValue.self, from: Data(response.body.readableBytesView))
            var id: UUID?
            if case .string(let text)? = created["id"] { id = UUID(uuidString: text) }
            return try #require(id, "POST \(uri) made no id")
        }
    }
}
