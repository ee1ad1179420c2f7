import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PostgresNIO
import ServiceKit

/// `/v1/communications/t`: what a campaign mail's reader triggers, with no session.
///
/// `GET o/{token}` is the open pixel (a 1×1 transparent GIF, never cached so every open reaches
/// us); `GET c/{token}` the click redirect, to the URL that was link `index` of the campaign's
/// template — looked up from the stored link list, never taken from the request, so a tracking
/// link cannot be turned into an open redirect. The first open and click of a recipient set
/// opened_at / clicked_at (what the report counts); every one adds to the counts. A token that
/// does not verify is 404, like an id that does not exist.
struct TrackingController: RouteController {
    let key: UnsubscribeKey
    let postgres: PostgresClient
    let clock: ServiceClock

    var publicEndpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .get("o/:token", use: self.open)
            .get("c/:token", use: self.click)
    }

    /// GIF89a, 1×1, one transparent pixel.
    static let pixel: [UInt8] = [
        0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x21, 0xF9, 0x04,
        0x01, 0x00, 0x00, 0x00, 0x00, 0x2C, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B,
    ]

    private func token(_ context: TractRequestContext, link: Bool) async throws -> TrackingToken {
        let text = context.parameters.get("token") ?? ""
        guard let token = TrackingToken.verify(text, key: try await self.key.key(logger: context.logger)), (token.linkIndex != nil) == link
        else { throw Problem.notFound("This is not a valid tracking link.") }
        return token
    }

    @Sendable func open(_ request: Request, context: TractRequestContext) async throws -> Response {
        let token = try await self.token(context, link: false)
        let rows = try await self.postgres.query(
            """
            UPDATE communications.email_sends SET opened_at = coalesce(opened_at, \(self.clock.now)), open_count = open_count + 1
            WHERE id = \(token.sendID) AND campaign_id IS NOT NULL RETURNING id
            """, logger: context.logger)
        var found = false
        for try await _ in rows.decode(UUID.self) { found = true }
        guard found else { throw Problem.notFound("This is not a valid tracking link.") }
        return Response(
            status: .ok,
            headers: [
                .contentType: "image/gif", .contentLength: String(Self.pixel.count), .cacheControl: "no-store, no-cache, must-revalidate, max-age=0",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: Self.pixel)))
    }

    @Sendable func click(_ request: Request, context: TractRequestContext) async throws -> Response {
        let token = try await self.token(context, link: true)
        // The target is the campaign's own link `index`: counted and looked up in one statement.
        let rows = try await self.postgres.query(
            """
            UPDATE communications.email_sends s SET clicked_at = coalesce(s.clicked_at, \(self.clock.now)), click_count = s.click_count + 1
            FROM communications.email_campaigns c
            WHERE s.id = \(token.sendID) AND c.id = s.campaign_id AND jsonb_array_length(c.links) > \(token.linkIndex ?? 0)::integer
            RETURNING c.links ->> (\(token.linkIndex ?? 0)::integer)
            """, logger: context.logger)
        var target: String?
        for try await url in rows.decode(String.self) { target = url }
        guard let target, target.hasPrefix("https://") || target.hasPrefix("http://") else {
            throw Problem.notFound("This is not a valid tracking link.")
        }
        return Response(status: .found, headers: [.location: target, .cacheControl: "no-store", .contentLength: "0"])
    }
}
