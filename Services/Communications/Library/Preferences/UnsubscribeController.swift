import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// `/v1/communications/unsubscribe/{token}`: RFC 8058 one-click unsubscribe, with no session.
///
/// A bare `POST` (what a mail provider sends, `List-Unsubscribe=One-Click`) turns the category's
/// email off at once. `GET` never changes anything — mail scanners prefetch links — and shows a
/// small page whose button makes that POST. A tampered link is 404, an expired one 410.
struct UnsubscribeController: RouteController {
    let key: UnsubscribeKey
    let clock: ServiceClock
    let ids: IDGenerator
    let postgres: PostgresClient

    var publicEndpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .get(":token", use: self.confirm)
            .post(":token", use: self.unsubscribe)
    }

    func token(_ context: TractRequestContext) async throws -> UnsubscribeToken {
        let text = context.parameters.get("token") ?? ""
        do {
            return try UnsubscribeToken.verify(text, key: try await self.key.key(logger: context.logger), now: self.clock.now)
        } catch UnsubscribeToken.Refusal.expired {
            throw Problem(.gone, detail: "This unsubscribe link has expired; use the link in a newer email or your notification settings.")
        } catch {
            throw Problem.notFound("This is not a valid unsubscribe link.")
        }
    }

    @Sendable func confirm(_ request: Request, context: TractRequestContext) async throws -> Response {
        let token = try await self.token(context)
        let what = Self.describe(token.category)
        let page = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>Unsubscribe</title></head>
            <body style="font-family: -apple-system, Segoe UI, sans-serif; color: #1b2b34;">
            <p>Stop receiving \(what) by email? Notifications stay in the app.</p>
            <form method="post"><button type="submit" name="List-Unsubscribe" value="One-Click">Unsubscribe</button></form>
            </body></html>
            """
        return Self.html(page)
    }

    @Sendable func unsubscribe(_ request: Request, context: TractRequestContext) async throws -> Response {
        let token = try await self.token(context)
        let categories =
            token.category == UnsubscribeToken.everyCategory
            ? NotificationCategory.allCases.filter { !$0.isLocked } : [NotificationCategory(rawValue: token.category)].compactMap { $0 }
        let now = self.clock.now
        try await self.postgres.transaction(logger: context.logger) { connection in
            // The user's other choices for the category (in-app, frequency) stay as they were.
            let stored = try await NotificationSettingsStore.load([token.userID], on: connection, logger: context.logger)[token.userID]
            let rows = categories.map { category in
                var choice = stored?.categories[category] ?? .standard
                choice.email = false
                return (category: category.rawValue, type: PreferenceRows.wholeCategory, choice: choice)
            }
            try await PreferenceStore.upsert(
                user: token.userID, rows: rows, ids: rows.map { _ in self.ids.next() }, now: now, on: connection, logger: context.logger)
            try await connection.query(
                """
                INSERT INTO communications.unsubscribes (id, user_id, category, created_at)
                VALUES (\(self.ids.next()), \(token.userID), \(token.category), \(now))
                """,
                logger: context.logger
            )
        }
        context.logger.info("unsubscribed by one-click link", metadata: ["category": .string(token.category)])
        if request.headers[.accept]?.contains("text/html") == true {
            return Self.html(
                """
                <!doctype html>
                <html><head><meta charset="utf-8"><title>Unsubscribed</title></head>
                <body style="font-family: -apple-system, Segoe UI, sans-serif; color: #1b2b34;">
                <p>You will no longer receive \(Self.describe(token.category)) by email.</p></body></html>
                """)
        }
        let names = categories.map { "\"\($0.rawValue)\"" }.joined(separator: ",")
        return try JSONDocument(#"{"unsubscribed":true,"categories":[\#(names)]}"#).response(from: request, context: context)
    }

    static func describe(_ category: String) -> String {
        category == UnsubscribeToken.everyCategory
            ? "Tract notification emails" : "\(category.replacingOccurrences(of: "_", with: " ")) notifications"
    }

    static func html(_ page: String) -> Response {
        let buffer = ByteBuffer(string: page)
        return Response(
            status: .ok,
            headers: [.contentType: "text/html; charset=utf-8", .contentLength: String(buffer.readableBytes), .cacheControl: "no-store"],
            body: .init(byteBuffer: buffer))
    }
}
