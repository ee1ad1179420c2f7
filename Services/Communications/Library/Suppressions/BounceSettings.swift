import Foundation
import ServiceKit

/// What bounce and complaint intake reads from the environment: the per-provider secrets that
/// authenticate `POST /v1/communications/bounces/{provider}`.
///
/// | Variable | Default | |
/// |---|---|---|
/// | `BOUNCE_PROVIDER_SECRETS` | unset (intake refuses everyone) | `provider=whsec_…` pairs, comma separated; a provider named twice has both secrets accepted (rotation) |
/// | `BOUNCE_TIMESTAMP_TOLERANCE_SECONDS` | `300` | how far a report's `webhook-timestamp` may be from now |
/// | `BOUNCE_MAILDIR` | unset (off) | a Maildir the MTA delivers returned mail into; DSNs and abuse reports in `new/` are recorded |
/// | `BOUNCE_MAILDIR_POLL_MS` | `10000` | how often that Maildir is read |
struct BounceSettings: Sendable {
    /// Each provider's Standard Webhooks secrets. A provider not listed is refused (401).
    var providerSecrets: [String: [StandardWebhookSignature.Secret]] = [:]
    var tolerance: Duration = StandardWebhookSignature.defaultTolerance
    /// The local bounce mailbox (`BounceMailbox`); nil: not read.
    var maildir: URL?
    var maildirInterval: Duration = .seconds(10)
    /// A report is a few hundred bytes; anything near this is not one.
    static let maximumBody = 64 * 1024

    static func fromEnvironment(_ environment: EnvironmentReader = EnvironmentReader()) throws -> BounceSettings {
        var settings = BounceSettings()
        if let text = environment.optionalString("BOUNCE_PROVIDER_SECRETS") {
            settings.providerSecrets = try Self.parseSecrets(text)
        }
        settings.tolerance = .seconds(try environment.integer("BOUNCE_TIMESTAMP_TOLERANCE_SECONDS", default: 300, range: 1...86400))
        settings.maildir = environment.optionalString("BOUNCE_MAILDIR").map { URL(fileURLWithPath: $0, isDirectory: true) }
        settings.maildirInterval = try environment.duration("BOUNCE_MAILDIR_POLL_MS", defaultMilliseconds: 10000, range: 50...3_600_000)
        return settings
    }

    /// `postmark=whsec_…,ses=whsec_…`.
    static func parseSecrets(_ text: String, variable: String = "BOUNCE_PROVIDER_SECRETS") throws -> [String: [StandardWebhookSignature.Secret]] {
        var secrets: [String: [StandardWebhookSignature.Secret]] = [:]
        for entry in text.split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, Self.isProviderName(parts[0]) else {
                throw ConfigurationError(variable: variable, reason: "must be provider=whsec_… pairs (provider: a-z, 0-9, _ or -), comma separated")
            }
            guard let secret = try? StandardWebhookSignature.Secret(parsing: parts[1]) else {
                throw ConfigurationError(variable: variable, reason: "has a secret for \(parts[0]) that is not whsec_ and 24 to 64 bytes of base64")
            }
            secrets[parts[0], default: []].append(secret)
        }
        return secrets
    }

    /// The provider's name as it appears in the path: short, lower-case, no punctuation to escape.
    static func isProviderName(_ name: some StringProtocol) -> Bool {
        (1...50).contains(name.utf8.count)
            && name.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 95 || $0 == 45 }
    }

    static let help = """
          BOUNCE_PROVIDER_SECRETS     provider=whsec_… pairs for POST /v1/communications/bounces/{provider} (unset: intake refused)
          BOUNCE_TIMESTAMP_TOLERANCE_SECONDS  accepted webhook-timestamp skew of a bounce report (300)
          BOUNCE_MAILDIR              Maildir of returned mail whose DSNs/abuse reports are recorded (unset: off)
          BOUNCE_MAILDIR_POLL_MS      how often BOUNCE_MAILDIR is read (10000)

        """
}
