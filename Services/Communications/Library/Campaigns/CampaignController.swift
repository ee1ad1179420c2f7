import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import SMTP
import ServiceKit

/// `/v1/communications/campaigns`: staff write, preview, test and send email campaigns and read
/// their reports. Every route needs the admin role (403 otherwise).
struct CampaignController: RouteController {
    let store: CampaignStore
    let mailer: CampaignMailer
    let limiter: RateLimiter
    let settings: CampaignSettings

    /// Addresses one test send may go to.
    static let maximumTestRecipients = 5

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post(use: self.create)
            .get(use: self.list)
            .get(":id", use: self.get)
            .patch(":id", use: self.update)
            .delete(":id", use: self.delete)
            .post(":id/recipients", use: self.addRecipients)
            .post(":id/preview", use: self.preview)
            .post(":id/test", use: self.testSend)
            .post(":id/schedule", use: self.schedule)
            .post(":id/send", use: self.sendNow)
            .post(":id/pause", use: self.pause)
            .post(":id/resume", use: self.resume)
            .post(":id/cancel", use: self.cancel)
            .get(":id/report", use: self.report)
    }

    private func staff(_ context: AuthenticatedContext) throws -> UUID {
        try context.identity.requireRole(.admin)
        return try context.identity.requireUser()
    }

    private func body(_ request: Request, _ context: AuthenticatedContext) async throws -> JSONValue {
        try await request.decode(as: JSONValue.self, context: context)
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let staff = try self.staff(context)
        let body = try CampaignBody.read(try await self.body(request, context))
        return JSONDocument(try await self.store.create(body, by: staff, logger: context.logger), status: .created)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        _ = try self.staff(context)
        let status = request.uri.queryParameters["status"].map(String.init)
        if let status, !["draft", "scheduled", "sending", "paused", "sent", "cancelled"].contains(status) {
            throw Problem.validation(field: "status", "must be one of draft, scheduled, sending, paused, sent, cancelled")
        }
        return try await self.store.list(status: status, page: try PageRequest(request), logger: context.logger)
    }

    @Sendable func get(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        _ = try self.staff(context)
        return JSONDocument(try await self.store.get(try context.parameters.uuid("id", "campaign"), logger: context.logger))
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        _ = try self.staff(context)
        let id = try context.parameters.uuid("id", "campaign")
        let patch = try await self.body(request, context)
        let stored = try await self.store.writableFields(id, logger: context.logger)
        let body = try CampaignBody.read(try BodyFields.merging(patch, over: stored, writable: CampaignBody.writable))
        return JSONDocument(try await self.store.update(id, body, logger: context.logger))
    }

    @Sendable func delete(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        _ = try self.staff(context)
        try await self.store.delete(try context.parameters.uuid("id", "campaign"), logger: context.logger)
        return .noContent
    }

    @Sendable func addRecipients(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        _ = try self.staff(context)
        let id = try context.parameters.uuid("id", "campaign")
        let members = try CampaignMember.readUpload(try await self.body(request, context))
        let (added, total) = try await self.store.addMembers(id, members, logger: context.logger)
        return JSONDocument(#"{"added":\#(added),"list_size":\#(total)}"#)
    }

    /// The campaign rendered for a recipient given (`email`, `name`, `user_id`) or a sample one.
    @Sendable func preview(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        _ = try self.staff(context)
        let id = try context.parameters.uuid("id", "campaign")
        var fields = try BodyFields(try await self.body(request, context), allowed: ["email", "name", "user_id"])
        let email = fields.text("email", max: 254)
        if let email, (try? EmailAddress(email)) == nil { fields.add("email", "must be an email address") }
        let name = fields.text("name", max: 200)
        let user = fields.uuid("user_id")
        try fields.check()
        let (content, fromName) = try await self.store.content(id, logger: context.logger)
        let rendered = try await self.mailer.email(
            content, fromName: fromName, to: .init(email: email ?? "investor@example.com", userID: user, name: name ?? "Alex"), sendID: nil,
            now: self.store.clock.now, logger: context.logger)
        struct Preview: Encodable {
            var subject: String
            var text: String
            var html: String
        }
        let data = try JSONEncoder().encode(Preview(subject: rendered.subject, text: rendered.textBody, html: rendered.htmlBody ?? ""))
        return JSONDocument(String(decoding: data, as: UTF8.self))
    }

    /// Sends the campaign now to 1 to 5 addresses, subject marked `[Test]`, links untracked;
    /// nothing is recorded against the campaign. Rate-limited per staff member.
    @Sendable func testSend(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let staff = try self.staff(context)
        let id = try context.parameters.uuid("id", "campaign")
        var fields = try BodyFields(try await self.body(request, context), allowed: ["to"])
        var addresses: [String] = []
        switch fields.value("to") {
        case .array(let items)? where !items.isEmpty && items.count <= Self.maximumTestRecipients:
            for (index, item) in items.enumerated() {
                if case .string(let text) = item, text.utf8.count <= 254, let address = try? EmailAddress(text.trimmingCharacters(in: .whitespaces)) {
                    addresses.append(address.address)
                } else {
                    fields.add("to[\(index)]", "must be an email address")
                }
            }
        case nil: fields.add("to", "is required")
        default: fields.add("to", "must list 1 to \(Self.maximumTestRecipients) email addresses")
        }
        try fields.check()
        let (content, fromName) = try await self.store.content(id, logger: context.logger)
        try await self.limiter.take(
            "campaign_test_send", for: staff.uuidString.lowercased(), bucket: self.settings.testSends, logger: context.logger)
        for address in addresses {
            let email = try await self.mailer.email(
                content, fromName: fromName, to: .init(email: address, userID: nil, name: nil), sendID: nil, subjectPrefix: "[Test] ",
                now: self.store.clock.now, logger: context.logger)
            do {
                try await self.mailer.smtp.send(email, logger: context.logger)
            } catch let failure as SMTPError where failure.isTransient {
                throw Problem.serviceUnavailable("The mail server is not accepting mail right now; try again shortly.")
            } catch let failure as SMTPError {
                throw Problem.validation(field: "to", "the mail server refused \(address): \(failure)")
            }
        }
        return JSONDocument(#"{"sent":\#(addresses.count)}"#)
    }

    /// `{"at": "2026-12-24T09:00:00Z"}`, a time in the future.
    @Sendable func schedule(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        _ = try self.staff(context)
        let id = try context.parameters.uuid("id", "campaign")
        var fields = try BodyFields(try await self.body(request, context), allowed: ["at"])
        var at: Date?
        switch fields.value("at") {
        case .string(let text)? where text.count <= 40:
            if let date = try? Date(text, strategy: .iso8601), date > self.store.clock.now {
                at = date
            } else {
                fields.add("at", "must be a time in the future, RFC 3339 (2026-12-31T09:00:00Z)")
            }
        case nil: fields.add("at", "is required")
        default: fields.add("at", "must be a time in the future, RFC 3339 (2026-12-31T09:00:00Z)")
        }
        try fields.check()
        return JSONDocument(try await self.store.move(id, .schedule, at: at, logger: context.logger))
    }

    @Sendable func sendNow(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try await self.move(.send, context)
    }

    @Sendable func pause(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try await self.move(.pause, context)
    }

    @Sendable func resume(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try await self.move(.resume, context)
    }

    @Sendable func cancel(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try await self.move(.cancel, context)
    }

    private func move(_ transition: CampaignStore.Transition, _ context: AuthenticatedContext) async throws -> JSONDocument {
        _ = try self.staff(context)
        return JSONDocument(try await self.store.move(try context.parameters.uuid("id", "campaign"), transition, logger: context.logger))
    }

    @Sendable func report(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        _ = try self.staff(context)
        return JSONDocument(try await self.store.report(try context.parameters.uuid("id", "campaign"), logger: context.logger))
    }
}
