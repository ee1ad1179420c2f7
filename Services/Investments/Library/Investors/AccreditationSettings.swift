import Foundation
import ServiceKit

/// What accreditation (issue 22) reads from the environment; `investments --help` lists them.
///
/// | Variable | Default | |
/// |---|---|---|
/// | `ACCREDITATION_LETTER_VALID_DAYS` | `90` | an approval resting on a verifier letter counts this many days from the letter's date |
/// | `ACCREDITATION_VALID_DAYS` | `90` | an approval by any other method counts this many days from the decision |
/// | `ACCREDITATION_VERIFIER_LINK_DAYS` | `14` | how long a verifier's single-use upload link works |
/// | `ACCREDITATION_VERIFIER_EMAILS_PER_DAY` | `3` | verifier emails one investor may have sent per day |
/// | `ACCREDITATION_FILE_MAX_BYTES` | `10485760` | largest evidence file or verifier letter (PDF, PNG, JPEG) |
struct AccreditationSettings: Sendable {
    /// SEC Rule 506(c)(2)(ii)(C) (17 CFR 230.506(c)(2)(ii)(C)): a written confirmation from a
    /// registered broker-dealer, SEC-registered investment adviser, licensed attorney or CPA that
    /// they took reasonable steps "within the prior three months" — 90 days from the letter's date.
    var letterValidDays = 90
    /// Income and net-worth reviews by staff: the same look-back unless the operator says otherwise.
    var validDays = 90
    var verifierLinkDays = 14
    /// A verifier email goes to an address the investor types: without a limit the form would
    /// mail anyone, as often as asked.
    var verifierEmails = TokenBucket(3, per: .seconds(86400))
    var maxFileBytes = 10 << 20

    static func fromEnvironment(_ environment: EnvironmentReader = EnvironmentReader()) throws -> AccreditationSettings {
        AccreditationSettings(
            letterValidDays: try environment.integer("ACCREDITATION_LETTER_VALID_DAYS", default: 90, range: 1...3650),
            validDays: try environment.integer("ACCREDITATION_VALID_DAYS", default: 90, range: 1...3650),
            verifierLinkDays: try environment.integer("ACCREDITATION_VERIFIER_LINK_DAYS", default: 14, range: 1...90),
            verifierEmails: TokenBucket(
                try environment.integer("ACCREDITATION_VERIFIER_EMAILS_PER_DAY", default: 3, range: 1...1000), per: .seconds(86400)),
            maxFileBytes: try environment.integer("ACCREDITATION_FILE_MAX_BYTES", default: 10 << 20, range: 1024...(64 << 20))
        )
    }

    static let help = """
          ACCREDITATION_LETTER_VALID_DAYS
                                      days a verifier letter counts from its date (90)
          ACCREDITATION_VALID_DAYS    days other accreditation approvals count (90)
          ACCREDITATION_VERIFIER_LINK_DAYS
                                      days a verifier's upload link works (14)
          ACCREDITATION_VERIFIER_EMAILS_PER_DAY
                                      verifier emails per investor per day (3)
          ACCREDITATION_FILE_MAX_BYTES
                                      largest evidence file or letter (10485760)
        """
}
