import Foundation
import NIOSSL
import SMTP
import ServiceKit

/// How `communications` reaches its SMTP server. Defaults point at the local mail sink of
/// `make run`; production sets a provider's submission port with STARTTLS and credentials.
///
/// | Variable | Default | |
/// |---|---|---|
/// | `SMTP_HOST` | `127.0.0.1` | |
/// | `SMTP_PORT` | `1025` | 587 for STARTTLS, 465 for TLS |
/// | `SMTP_SECURITY` | `none` | `none`, `starttls` or `tls` |
/// | `SMTP_USERNAME`, `SMTP_PASSWORD` | unset | AUTH PLAIN/LOGIN; refused with `none` |
/// | `SMTP_CA_FILE` | system roots | PEM bundle to trust instead |
/// | `SMTP_HELO_NAME` | the domain of `MAIL_FROM` | |
/// | `MAIL_FROM` | `Tract <no-reply@tract.local>` | |
/// | `SMTP_MAX_CONNECTIONS` | `4` | connections kept open and reused at once |
struct MailSettings: Sendable {
    var smtp: SMTPConfiguration
    var from: EmailAddress

    static func fromEnvironment(_ environment: EnvironmentReader = EnvironmentReader()) throws -> MailSettings {
        let securityText = environment.string("SMTP_SECURITY", default: "none").lowercased()
        guard let security = SMTPConfiguration.Security(rawValue: securityText) else {
            throw ConfigurationError(variable: "SMTP_SECURITY", reason: "must be none, starttls or tls, got \"\(securityText)\"")
        }
        let fromText = environment.string("MAIL_FROM", default: "Tract <no-reply@tract.local>")
        guard let from = Self.parseMailbox(fromText) else {
            throw ConfigurationError(variable: "MAIL_FROM", reason: "must be an address, optionally as \"Name <address>\"")
        }
        var credentials: SMTPConfiguration.Credentials?
        if let username = environment.optionalString("SMTP_USERNAME") {
            guard security != .none else {
                throw ConfigurationError(
                    variable: "SMTP_USERNAME", reason: "needs SMTP_SECURITY=starttls or tls: credentials are never sent in the clear")
            }
            credentials = .init(username: username, password: environment.string("SMTP_PASSWORD", default: ""))
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = environment.optionalString("SMTP_CA_FILE") {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw ConfigurationError(variable: "SMTP_CA_FILE", reason: "is not a readable file: \(caFile)")
            }
            tls.trustRoots = .file(caFile)
        }
        let smtp = SMTPConfiguration(
            host: environment.string("SMTP_HOST", default: "127.0.0.1"),
            port: try environment.port("SMTP_PORT", default: 1025),
            security: security,
            credentials: credentials,
            heloName: environment.string("SMTP_HELO_NAME", default: String(from.domain)),
            tls: tls,
            maximumConnections: try environment.integer("SMTP_MAX_CONNECTIONS", default: 4, range: 1...64)
        )
        return MailSettings(smtp: smtp, from: from)
    }

    /// `Name <address>` or a bare address.
    static func parseMailbox(_ text: String) -> EmailAddress? {
        if let open = text.firstIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close {
            let name = text[..<open].trimmingCharacters(in: .whitespaces)
                .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return try? EmailAddress(String(text[text.index(after: open)..<close]), name: name.isEmpty ? nil : name)
        }
        return try? EmailAddress(text.trimmingCharacters(in: .whitespaces))
    }
}
