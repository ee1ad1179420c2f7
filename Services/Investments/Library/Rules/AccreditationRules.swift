import Foundation
import Models

/// The pure rules of accreditation (issue 22), apart from any I/O so they are tested alone.
enum AccreditationRules {
    /// SEC Rule 506(c)(2)(ii)(C) (17 CFR 230.506(c)(2)(ii)(C)): the persons whose written
    /// confirmation verifies accreditation — a registered broker-dealer, an SEC-registered
    /// investment adviser, a licensed attorney in good standing, or a certified public accountant.
    static let verifierRoles: Set = ["cpa", "attorney", "registered_investment_adviser", "broker_dealer"]

    /// When an approval stops counting. A verifier letter confirms accreditation "within the prior
    /// three months" (Rule 506(c)(2)(ii)(C)), so it counts `letterValidDays` from the date written
    /// on it, at midnight UTC ending that day; any other method counts `validDays` from the decision.
    static func expiry(letterDate: CalendarDate?, decidedAt: Date, settings: AccreditationSettings) -> Date {
        guard let letterDate else { return decidedAt.addingTimeInterval(Double(settings.validDays) * 86_400) }
        return Self.midnight(after: letterDate.adding(days: settings.letterValidDays - 1))
    }

    /// Whether a letter dated `letterDate` still counts on `today`, and is not dated in the future.
    static func letterProblem(_ letterDate: CalendarDate, today: CalendarDate, settings: AccreditationSettings) -> String? {
        if today < letterDate { return "must not be in the future" }
        if letterDate.days(until: today) >= settings.letterValidDays {
            return "is more than \(settings.letterValidDays) days ago; a verifier letter counts for \(settings.letterValidDays) days from its date"
        }
        return nil
    }

    /// The first instant of the day after `day`, UTC.
    static func midnight(after day: CalendarDate) -> Date {
        Date(timeIntervalSince1970: Double(day.dayNumber + 1) * 86_400)
    }

    /// What an evidence file or a letter may be, told from its first bytes (never from what the
    /// client declares): a PDF, a PNG or a JPEG — what a scanned or exported letter is.
    static func contentType(of head: some Collection<UInt8>) -> String? {
        let bytes = Array(head.prefix(8))
        if bytes.starts(with: Array("%PDF-".utf8)) { return "application/pdf" }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        return nil
    }

    /// A file name as stored and sent back in `Content-Disposition`: one line, no path, no quotes.
    static func fileNameProblem(_ name: String) -> String? {
        if name.isEmpty || name.count > 255 { return "must be 1 to 255 characters" }
        if name.contains(where: { $0.isNewline || $0 == "\"" || $0 == "/" || $0 == "\\" || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } == true }) {
            return "must be a plain file name (no path, quotes or control characters)"
        }
        return nil
    }

    /// A plausible address for a verifier: one `@`, something on each side, a dot in the domain,
    /// no spaces or angle brackets (it becomes an SMTP recipient).
    static func isEmailAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard text.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix(".")
        else { return false }
        return !text.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," || $0 == ";" || !$0.isASCII })
    }
}

/// The minimum-investment path (SEC Division of Corporation Finance, no-action letter to Latham &
/// Watkins LLP, March 12, 2025; echoed in Securities Act Rules C&DI 256.35–256.36): an issuer may
/// treat a high minimum investment plus written representations as "reasonable steps" under
/// Rule 506(c) — at least $200,000 from a natural person, $1,000,000 from a legal entity; the
/// investor represents in writing that they are accredited and that the minimum is not financed in
/// whole or in part by a third party for the purpose of the investment; and the issuer has no
/// actual knowledge to the contrary.
enum MinimumInvestmentPath {
    static let kinds: Set = ["natural_person", "entity"]

    static func minimum(for kind: String) -> Money {
        kind == "entity" ? Money(cents: 1_000_000_00) : Money(cents: 200_000_00)
    }

    /// The representations the investor makes, word for word as they are recorded.
    static func representation(kind: String, name: String) -> String {
        let who = kind == "entity" ? "the entity I represent is" : "I am"
        return """
            I, \(name), represent that \(who) an "accredited investor" as defined in Rule 501(a) of Regulation D under the \
            Securities Act of 1933, and that the amount invested, at least \(Self.minimum(for: kind).dollars), is not \
            financed in whole or in part by any third party for the specific purpose of making this investment.
            """
    }
}
