import Foundation
import HTTPTypes
import Models
import SMTP
import ServiceKit

/// What staff write when they create or change a campaign: validated whole (a `PATCH` is merged
/// over the stored campaign first), the templates compiled so a broken one is a 422 naming its field.
struct CampaignBody: Sendable {
    enum Audience: Sendable, Equatable {
        /// The members staff upload (`POST …/recipients`).
        case list
        /// An analytics segment's members, resolved when sending starts.
        case segment(UUID)
    }

    var name: String
    var subject: String
    var htmlTemplate: String
    var textTemplate: String
    var fromName: String?
    var audience: Audience
    var content: CampaignContent

    static let writable = ["name", "subject", "html_template", "text_template", "from_name", "audience", "segment_id"]

    static func read(_ value: JSONValue) throws -> CampaignBody {
        var fields = try BodyFields(value, allowed: Set(Self.writable))
        let name = fields.text("name", max: 200, required: true)
        let subject = fields.text("subject", max: 255, required: true)
        let html = Self.template(&fields, "html_template")
        let text = Self.template(&fields, "text_template")
        var fromName: String?
        if fields.value("from_name") != .null { fromName = fields.text("from_name", max: 100) }
        var audience: Audience?
        switch fields.value("audience") {
        case .string("list")?:
            if let segment = fields.value("segment_id"), segment != .null { fields.add("segment_id", "is only for the segment audience") }
            audience = .list
        case .string("segment")?:
            audience = fields.uuid("segment_id", required: true).map(Audience.segment)
        case nil:
            fields.add("audience", "is required: list or segment")
        default:
            fields.add("audience", "must be list or segment")
        }
        try fields.check()
        guard let name, let subject, let html, let text, let audience else { throw Problem.validation(field: "body", "is incomplete") }
        let content = try CampaignContent.compile(subject: subject, html: html, text: text)
        return CampaignBody(
            name: name, subject: subject, htmlTemplate: html, textTemplate: text, fromName: fromName, audience: audience, content: content)
    }

    /// A template: any text of up to `CampaignContent.maximumTemplateLength` characters, line breaks
    /// and tabs allowed, no other control character (NUL above all).
    static func template(_ fields: inout BodyFields, _ key: String) -> String? {
        switch fields.value(key) {
        case .string(let text)?:
            if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || text.count > CampaignContent.maximumTemplateLength {
                fields.add(key, "must be 1 to \(CampaignContent.maximumTemplateLength) characters")
            } else if text.unicodeScalars.contains(where: { ($0.value < 0x20 && !["\n", "\r", "\t"].contains($0)) || $0.value == 0x7F }) {
                fields.add(key, "must not contain control characters other than line breaks and tabs")
            } else {
                return text
            }
        case nil: fields.add(key, "is required")
        default: fields.add(key, "must be a string")
        }
        return nil
    }
}

/// One recipient of an uploaded list.
struct CampaignMember: Sendable, Equatable {
    static let maximumPerUpload = 1000

    var email: String
    var userID: UUID
    var name: String?

    /// `{"recipients": [{"email": …, "user_id": …, "name": …}, …]}`, 1 to 1000 of them.
    static func readUpload(_ value: JSONValue) throws -> [CampaignMember] {
        var fields = try BodyFields(value, allowed: ["recipients"])
        var members: [CampaignMember] = []
        switch fields.value("recipients") {
        case .array(let items)? where !items.isEmpty && items.count <= Self.maximumPerUpload:
            for (index, item) in items.enumerated() {
                let key = "recipients[\(index)]"
                guard case .object(let object) = item else {
                    fields.add(key, "must be an object with email, user_id and optionally name")
                    continue
                }
                if let unknown = object.keys.first(where: { !["email", "user_id", "name"].contains($0) }) {
                    fields.add("\(key).\(unknown)", "is not a field of a recipient")
                }
                var email: String?
                if case .string(let text)? = object["email"], text.utf8.count <= 254,
                    let address = try? EmailAddress(text.trimmingCharacters(in: .whitespaces))
                {
                    email = address.address.lowercased()
                } else {
                    fields.add("\(key).email", "must be an email address")
                }
                var user: UUID?
                if case .string(let text)? = object["user_id"], let id = UUID(uuidString: text) {
                    user = id
                } else {
                    fields.add("\(key).user_id", "must be the recipient's user id (a UUID)")
                }
                var name: String?
                switch object["name"] {
                case nil, .null?: break
                case .string(let text)?
                where !text.isEmpty && text.count <= 200
                    && !text.unicodeScalars.contains(where: \.breaksALine):
                    name = text
                default: fields.add("\(key).name", "must be 1 to 200 characters on one line")
                }
                if let email, let user { members.append(CampaignMember(email: email, userID: user, name: name)) }
            }
        case nil: fields.add("recipients", "is required")
        default: fields.add("recipients", "must list 1 to \(Self.maximumPerUpload) recipients")
        }
        try fields.check()
        return members
    }
}
