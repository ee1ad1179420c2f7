import Foundation
import ServiceKit

/// What a user can agree to (seed 003 §9 `consent_records`): the terms of service, the privacy
/// notice, and marketing mail. Each is recorded with the version of the text the user saw.
enum ConsentKind: String, Codable, CaseIterable, Sendable {
    case terms
    case privacy
    case marketing

    /// GDPR Art. 7(3): consent to marketing can be withdrawn as easily as it was given. The terms
    /// and the privacy notice are the contract and the Art. 13 notice the account runs on: they
    /// are left by deleting the account (`/v1/auth/me/deletion`), not by a switch.
    var canBeWithdrawn: Bool { self == .marketing }
}

/// One consent as a request states it: which version of the text, agreed or not.
struct ConsentStatement: Codable, Sendable, Equatable {
    var version: String
    var granted: Bool
}

/// The body of `PUT /v1/auth/me/consents`: any of the three kinds, at least one.
struct ConsentChanges: Decodable, Sendable {
    var terms: ConsentStatement?
    var privacy: ConsentStatement?
    var marketing: ConsentStatement?

    /// The statements in a fixed order, so the rows and their history read the same every time.
    var statements: [(ConsentKind, ConsentStatement)] {
        [(.terms, self.terms), (.privacy, self.privacy), (.marketing, self.marketing)].compactMap { kind, statement in
            statement.map { (kind, $0) }
        }
    }

    /// Every invalid field at once, so a form can show them together.
    func check() throws {
        var errors = FieldErrors()
        if self.statements.isEmpty { errors.add("terms", "send at least one of terms, privacy or marketing") }
        for (kind, statement) in self.statements {
            if let problem = ConsentVersion.problem(with: statement.version) { errors.add("\(kind.rawValue).version", problem) }
            if !statement.granted, !kind.canBeWithdrawn {
                errors.add("\(kind.rawValue).granted", "cannot be withdrawn; delete your account instead (POST /v1/auth/me/deletion)")
            }
        }
        try errors.check()
    }
}

/// A document version as clients name it: `2026-12`, `v3`, `3.1`.
enum ConsentVersion {
    static func problem(with version: String) -> String? {
        version.wholeMatch(of: /[A-Za-z0-9][A-Za-z0-9._-]{0,39}/) == nil
            ? "must be 1 to 40 of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit" : nil
    }
}
