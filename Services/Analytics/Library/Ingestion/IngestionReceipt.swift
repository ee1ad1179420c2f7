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

extension IngestionReceipt {
    /// The receipt as `JSONEncoder.tract` writes it (keys sorted, no spaces), the ids written
    /// directly: through the encoder, 500 of them were 8% of a batch's CPU. The errors, rare and
    /// holding client text, still go through the encoder.
    func json() throws -> String {
        let errors = self.errors.isEmpty ? "[]" : String(decoding: try JSONEncoder.tract.encode(self.errors), as: UTF8.self)
        var text = #"{"accepted":\#(self.accepted),"dropped":\#(self.dropped),"duplicates":\#(self.duplicates),"errors":\#(errors),"ids":["#
        text.reserveCapacity(text.utf8.count + self.ids.count * 40 + 20)
        for (index, id) in self.ids.enumerated() {
            if index > 0 { text += "," }
            // Ids are the server's lower-case UUID text: nothing in them to escape.
            if let id { text += "\"" + id + "\"" } else { text += "null" }
        }
        text += #"],"rejected":\#(self.rejected)}"#
        return text
    }
}
