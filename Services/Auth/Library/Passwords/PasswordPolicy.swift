import Foundation
import HTTPTypes
import ServiceKit

/// What a new password must satisfy (NIST SP 800-63B §5.1.1.2): at least 8 characters, at most 256
/// (so hashing cost stays bounded), and not on a list of commonly used passwords. No composition
/// rules: they make passwords harder to remember without making them stronger.
public struct PasswordPolicy: Sendable {
    public static let minimumLength = 8
    public static let maximumLength = 256
    let common: Set<String>

    public init(common: Set<String>) {
        self.common = common
    }

    /// The list shipped in the auth bundle.
    public static func bundled() throws -> PasswordPolicy {
        guard let url = Bundle.module.url(forResource: "common-passwords", withExtension: "txt") else {
            throw Problem(.internalServerError, detail: "The common-password list is missing from the build.")
        }
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        return PasswordPolicy(common: Set(lines.filter { !$0.hasPrefix("#") }.map { String($0) }))
    }

    /// `nil` when acceptable, else why not (for a 422 on the `password` field).
    public func problem(with password: String, email: String? = nil) -> String? {
        let length = password.count
        if length < Self.minimumLength { return "must be at least \(Self.minimumLength) characters" }
        if length > Self.maximumLength { return "must be at most \(Self.maximumLength) characters" }
        let lowered = password.lowercased()
        if self.common.contains(lowered) { return "is too common; choose one that is not on lists of leaked passwords" }
        if let email, lowered == email.lowercased() || lowered == email.split(separator: "@").first?.lowercased() {
            return "must not be your email address"
        }
        return nil
    }
}
