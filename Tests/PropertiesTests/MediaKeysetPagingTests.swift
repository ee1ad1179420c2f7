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

/// The media lists page through the kit's one pager (issue 12): 500 rows made in one statement
/// (one `now()`, ties in the sort key) are each shown exactly once, seven at a time. The rest of
/// the service's paged lists (listings, parts, videos and tours) are swept beside the code that
/// owns them; this suite answers for the paths under `mediaPrefixes`.
@Suite struct MediaKeysetPagingTests {
    /// The paged paths this suite must cover: photos, documents, their versions, shares and
    /// signature requests.
    static let mediaPrefixes = ["/v1/properties/{id}/photos", "/v1/properties/{id}/documents", "/v1/documents/", "/v1/media/"]

    @Test func everyMediaListShowsEachRowOnce() async throws {
        try await MediaRouterFixture.run { fixture in
            let (sponsorID, sponsor) = try await fixture.sponsor()
            // The sponsor edits each listing, so every seeded row is theirs to see.
            let gallery = try await fixture.property(token: sponsor)
            let deck = try await fixture.property(token: sponsor)
            let shared = try await fixture.property(token: sponsor)
            let firstVersion = UUID()
            let sharedDocument = UUID()
            try await TestDatabase.withAdmin(database: fixture.database.name) { postgres in
                try await Self.run(
                    """
                    INSERT INTO media.documents (id, property_id, owner_id, name, file_size, file_type, file_hash, storage_key, version)
                    VALUES ('\(sharedDocument)', '\(shared)', '\(sponsorID)', 'Subscription agreement', 1, 'application/pdf',
                        repeat('0', 64), 'documents/\(shared.lowercased)/\(sharedDocument.lowercased)', 1)
                    """,
                    on: postgres
                )
                let lists = Self.lists(
                    token: sponsor, sponsor: sponsorID, gallery: gallery, deck: deck, firstVersion: firstVersion, sharedDocument: sharedDocument
                )
                let document = try await fixture.client.execute(uri: "/openapi.json", method: .get) { response async throws in
                    try JSONDecoder().decode(JSONValue.self, from: Data(response.body.readableBytesView))
                }
                let others = PagingSweep.pagedPaths(in: document).filter { path in !Self.mediaPrefixes.contains { path.hasPrefix($0) } }
                PagingSweep.expectCoverage(of: document, by: lists, except: others.union(["/internal/outbox/dead-letters"]))
                for list in lists {
                    try await PagingSweep.check(list, postgres: postgres, client: fixture.client)
                }
            }
        }
    }

    /// One list per paged media path, each seeded in one statement.
    static func lists(token: String, sponsor: UUID, gallery: UUID, deck: UUID, firstVersion: UUID, sharedDocument: UUID) -> [PagedList] {
        [
            // Gallery order: four photos share each `display_order`, so most page edges fall in a tie.
            PagedList("/v1/properties/{id}/photos", url: "/v1/properties/\(gallery.lowercased)/photos", token: token) { postgres in
                try await Self.run(
                    """
                    INSERT INTO media.property_photos (id, property_id, storage_key, file_size, mime_type, sha256, display_order, uploaded_by)
                    SELECT g.id, '\(gallery)', 'photos/\(gallery.lowercased)/' || g.id, 1, 'image/png', repeat('0', 64), g.n % 125, '\(sponsor)'
                    FROM (SELECT n, gen_random_uuid() AS id FROM generate_series(1, 500) n) g
                    """,
                    on: postgres
                )
            },
            PagedList("/v1/properties/{id}/documents", url: "/v1/properties/\(gallery.lowercased)/documents", token: token) { postgres in
                try await Self.run(
                    """
                    INSERT INTO media.documents (id, property_id, owner_id, name, file_size, file_type, file_hash, storage_key, version)
                    SELECT g.id, '\(gallery)', '\(sponsor)', 'Report ' || g.n, 1, 'application/pdf', repeat('0', 64),
                        'documents/\(gallery.lowercased)/' || g.id, 1
                    FROM (SELECT n, gen_random_uuid() AS id FROM generate_series(1, 500) n) g
                    """,
                    on: postgres
                )
            },
            // 500 versions of one name, each the parent of the next.
            PagedList("/v1/documents/{id}/versions", url: "/v1/documents/\(firstVersion.lowercased)/versions", token: token) { postgres in
                try await Self.run(
                    """
                    WITH v AS MATERIALIZED (
                        SELECT n, CASE WHEN n = 1 THEN '\(firstVersion)'::uuid ELSE gen_random_uuid() END AS id
                        FROM generate_series(1, 500) n
                    )
                    INSERT INTO media.documents (
                        id, property_id, owner_id, name, file_size, file_type, file_hash, storage_key, version, parent_document_id,
                        is_latest_version
                    )
                    SELECT v.id, '\(deck)', '\(sponsor)', 'Investor deck', 1, 'application/pdf', repeat('0', 64),
                        'documents/\(deck.lowercased)/' || v.id, v.n, p.id, v.n = 500
                    FROM v LEFT JOIN v p ON p.n = v.n - 1
                    """,
                    on: postgres
                )
            },
            PagedList("/v1/documents/{id}/shares", url: "/v1/documents/\(sharedDocument.lowercased)/shares", token: token) { postgres in
                try await Self.run(
                    """
                    INSERT INTO media.document_shares (id, document_id, shared_by, shared_with)
                    SELECT gen_random_uuid(), '\(sharedDocument)', '\(sponsor)', gen_random_uuid() FROM generate_series(1, 500)
                    """,
                    on: postgres
                )
            },
            PagedList(
                "/v1/documents/{id}/signature-requests", url: "/v1/documents/\(sharedDocument.lowercased)/signature-requests", token: token
            ) { postgres in
                try await Self.run(
                    """
                    INSERT INTO media.signatures (id, document_id, signer_id, requested_by)
                    SELECT gen_random_uuid(), '\(sharedDocument)', gen_random_uuid(), '\(sponsor)' FROM generate_series(1, 500)
                    """,
                    on: postgres
                )
            },
        ]
    }

    static let logger = Logger(label: "test.media-paging")

    static func run(_ sql: String, on postgres: PostgresClient) async throws {
        try await postgres.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger)
    }
}
