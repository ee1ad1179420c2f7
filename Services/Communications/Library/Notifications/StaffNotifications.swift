import Foundation
import Hummingbird
import Logging
import Models
import NIOHTTP1
import PostgresNIO
import ServiceKit

/// What staff send (`POST /v1/communications/notifications`).
struct StaffNotificationBody: Sendable, Equatable {
    enum Audience: Sendable, Equatable {
        case user(UUID)
        case segment(UUID)
    }

    var audience: Audience
    var type: String
    var category: NotificationCategory
    var title: String
    var message: String
    var actionURL: String?
    var priority: NotificationPriority
    var expiresAt: Date?
    var email: Bool

    static let allowed: Set<String> = [
        "user_id", "segment_id", "type", "category", "title", "message", "action_url", "priority", "expires_at", "email",
    ]

    static func read(_ value: JSONValue, now: Date) throws -> StaffNotificationBody {
        var fields = try BodyFields(value, allowed: Self.allowed)
        let user = fields.uuid("user_id")
        let segment = fields.uuid("segment_id")
        if (fields.value("user_id") == nil) == (fields.value("segment_id") == nil) {
            fields.add("user_id", "send exactly one of user_id and segment_id")
        }
        let type = fields.text("type", max: 100) ?? "staff.notice"
        if !NotificationTypes.isWellFormed(type) { fields.add("type", "must be lowercase words joined by dots or underscores, such as staff.notice") }
        var category = Self.choice(&fields, "category", NotificationCategory.self, required: true)
        if category == .marketing {
            // Marketing is email campaigns' category (Campaigns/): a preference, never a notification.
            fields.add("category", "marketing is for email campaigns, not notifications")
            category = nil
        }
        let priority = Self.choice(&fields, "priority", NotificationPriority.self, required: false) ?? .normal
        let title = fields.text("title", max: 255, required: true)
        var message: String?
        switch fields.value("message") {
        case .string(let text)? where !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && text.count <= 4000:
            message = text.trimmingCharacters(in: .whitespacesAndNewlines)
        case nil: fields.add("message", "is required")
        default: fields.add("message", "must be 1 to 4000 characters")
        }
        let action = fields.text("action_url", max: 500)
        if let action, !(action.hasPrefix("/") && !action.hasPrefix("//")) && !action.hasPrefix("https://") {
            fields.add("action_url", "must be a path on Tract (/…) or an https URL")
        }
        var expiresAt: Date?
        if let value = fields.value("expires_at") {
            if case .string(let text) = value, let date = try? Date(text, strategy: .iso8601), date > now {
                expiresAt = date
            } else {
                fields.add("expires_at", "must be a time in the future, RFC 3339 (2026-12-31T23:59:00Z)")
            }
        }
        var email = false
        switch fields.value("email") {
        case nil: break
        case .bool(let wanted)?: email = wanted
        default: fields.add("email", "must be true or false")
        }
        try fields.check()
        guard let category, let title, let message, let audience = user.map(Audience.user) ?? segment.map(Audience.segment) else {
            throw Problem.validation(field: "body", "is incomplete")
        }
        return StaffNotificationBody(
            audience: audience, type: type, category: category, title: title, message: message, actionURL: action, priority: priority,
            expiresAt: expiresAt, email: email)
    }

    static func choice<Value: RawRepresentable & CaseIterable>(
        _ fields: inout BodyFields, _ key: String, _ type: Value.Type, required: Bool
    ) -> Value? where Value.RawValue == String {
        guard let value = fields.value(key) else {
            if required { fields.add(key, "is required: one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))") }
            return nil
        }
        guard case .string(let text) = value, let choice = Value(rawValue: text) else {
            fields.add(key, "must be one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return choice
    }
}

/// Staff notifications: to one user, or to every member of an analytics segment, paged from
/// `GET /internal/v1/segments/{id}/members` before any transaction opens and then created in
/// set-based chunks. The dedupe key is the staff member's Idempotency-Key when sent (a retried
/// POST creates nothing twice), else a new id.
struct StaffNotifications: Sendable {
    /// Users per transaction when a segment is large.
    static let chunk = 5000

    let postgres: PostgresClient
    let notifier: Notifier
    let internalClient: InternalHTTPClient
    let analyticsURL: URL
    let settings: NotificationSettings
    let clock: ServiceClock
    let ids: IDGenerator

    struct Outcome: Sendable {
        var id: UUID
        var recipients: Int
        var created: Int
    }

    func create(_ body: StaffNotificationBody, by staff: String, idempotencyKey: String?, context: AuthenticatedContext) async throws -> Outcome {
        let id = self.ids.next()
        let users: [UUID]
        switch body.audience {
        case .user(let user): users = [user]
        case .segment(let segment): users = try await self.members(of: segment, context: context)
        }
        let dedupe = idempotencyKey.map { "staff:\(staff):\($0)" } ?? "staff:\(id.uuidString.lowercased())"
        let email =
            body.email
            ? EmailContent(
                templateKey: "notification",
                variables: ["title": body.title, "message": body.message, "link": self.settings.link(body.actionURL ?? "/notifications")])
            : nil
        var created = 0
        for start in stride(from: 0, to: users.count, by: Self.chunk) {
            let drafts = users[start..<min(start + Self.chunk, users.count)].map { user in
                NotificationDraft(
                    userID: user, type: body.type, category: body.category, title: body.title, message: body.message, actionURL: body.actionURL,
                    priority: body.priority, expiresAt: body.expiresAt, email: email, dedupeKey: dedupe)
            }
            created += try await self.postgres.transaction(logger: context.logger) { connection in
                try await self.notifier.notify(drafts, on: connection, logger: context.logger).count
            }
        }
        return Outcome(id: id, recipients: users.count, created: created)
    }

    /// Every member of the segment, page by page.
    func members(of segment: UUID, context: AuthenticatedContext) async throws -> [UUID] {
        try await Self.members(
            of: segment, analyticsURL: self.analyticsURL, client: self.internalClient,
            call: CallContext(requestID: context.requestID, traceParent: context.traceParent))
    }

    /// The same for work no request started (a campaign's audience, resolved by the sender).
    static func members(of segment: UUID, analyticsURL: URL, client: InternalHTTPClient, call: CallContext) async throws -> [UUID] {
        struct Member: Decodable { var userId: UUID }
        struct MemberPage: Decodable {
            var data: [Member]
            var nextCursor: String?
        }
        var users: [UUID] = []
        var cursor: String?
        repeat {
            var components = URLComponents(
                url: analyticsURL.appendingPathComponent("internal/v1/segments/\(segment.uuidString.lowercased())/members"),
                resolvingAgainstBaseURL: false)
            components?.queryItems = [URLQueryItem(name: "limit", value: "200")] + (cursor.map { [URLQueryItem(name: "cursor", value: $0)] } ?? [])
            guard let url = components?.url else { throw Problem.serviceUnavailable("The segment's members could not be asked for.") }
            let reply = try await client.send(.GET, url, context: call)
            switch reply.status {
            case 200: break
            case 404: throw Problem.validation(field: "segment_id", "no segment has this id")
            default: throw Problem.serviceUnavailable("Analytics did not answer with the segment's members (\(reply.status)); try again.")
            }
            let page = try reply.decode(as: MemberPage.self)
            users += page.data.map(\.userId)
            cursor = page.nextCursor
        } while cursor != nil
        return users
    }
}
