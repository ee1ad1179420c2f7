import Foundation
import Models

/// The answer to `POST /v1/analytics/events` and `/batch`: what became of each item, by index.
struct IngestionReceipt: Codable, Sendable, Equatable {
    /// Stored now.
    var accepted = 0
    /// Valid, but an event with its id was stored before (a retry): nothing stored twice.
    var duplicates = 0
    /// Refused; `errors` names each field (`events[3].name`).
    var rejected = 0
    /// Sent by a known bot: not stored and not an error.
    var dropped = 0
    /// Each item's event id (the client's, or the one the server gave it), null for a refused or
    /// dropped item: a client that sent no ids can still retry safely with these.
    var ids: [String?] = []
    var errors: [ProblemDetails.FieldError] = []
}
