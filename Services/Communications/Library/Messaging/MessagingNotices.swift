import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// What messaging tells people, in the transaction of the change: live-feed items for their open
/// clients (B's `LiveFeed`) and notifications (A's `Notifier`, category `messages` or
/// `connections`, deduplicated by the message's or request's id).
struct MessagingNotices: Sendable {
    init() {}

    init(_ dependencies: ServiceDependencies) {}

    func messagePosted(_ posted: MessagePosted, to recipients: [UUID], on connection: PostgresConnection, logger: Logger) async throws {}

    /// An edit or a delete: the members' clients replace what they show.
    func messageChanged(
        _ kind: String, message: UUID, in conversation: UUID, to recipients: [UUID], on connection: PostgresConnection, logger: Logger
    )
        async throws
    {}

    /// A read receipt: the others' clients move this member's "seen" mark.
    func conversationRead(
        _ conversation: UUID, by user: UUID, upTo seq: Int64, to recipients: [UUID], on connection: PostgresConnection, logger: Logger
    ) async throws {}

    func connectionRequested(_ id: UUID, from requester: UUID, to addressee: UUID, on connection: PostgresConnection, logger: Logger) async throws {}

    func connectionAccepted(_ id: UUID, by addressee: UUID, requester: UUID, on connection: PostgresConnection, logger: Logger) async throws {}
}
