import Crypto
import Foundation
import Models
import ServiceKit

/// The auth service's own settings, beyond what every service reads (README, "Configuration").
public struct AuthSettings: Sendable {
    /// `ACCESS_TOKEN_TTL_SECONDS` (default 300, at most 300): how long a revoked session can still
    /// act. Verifiers check access tokens offline and never look up `sid`, so revocation takes
    /// effect at the next refresh; the cap keeps that under five minutes (README, "Design decisions").
    public var accessTokenLifetime: Duration
    /// `REFRESH_TOKEN_TTL_DAYS` (default 30): a session's lifetime without sign-in.
    public var refreshTokenLifetime: Duration
    /// `REFRESH_REUSE_GRACE_SECONDS` (default 10): a rotated refresh token presented again within
    /// this window (two tabs refreshing at once) gets the same successor instead of revoking.
    public var refreshReuseGrace: Duration
    /// `SIGNING_KEY_ENCRYPTION_KEY` (base64, 32 bytes; required): seals signing keys at rest.
    public var keyEncryptionKey: SymmetricKey
    /// `SIGNING_KEY_ROTATION_DAYS` (default 30): a new signing key after this long.
    public var keyRotationInterval: Duration
    /// `PUBLIC_URL` (default `http://127.0.0.1:8080`): the base of links in emails.
    public var publicURL: URL
    /// `SERVICE_CLIENTS` (`id:secret,id:secret`, ids are service names): clients of the
    /// client-credentials grant, upserted at start-up with their secrets hashed and their service's
    /// scopes; clients no longer listed are deleted.
    public var serviceClients: [(id: String, secret: String)]
    /// `UNVERIFIED_ACCOUNT_TTL_DAYS` (default 7): a password sign-up whose address nobody proved in
    /// this time is treated as absent, so the address can be signed up afresh.
    public var unverifiedAccountLifetime: Duration
    public var limits: RateLimits
    public var lockout: LockoutPolicy
    /// `SIGN_IN_ATTEMPT_RETENTION_DAYS` (default 30): an address's failed-sign-in count is
    /// forgotten after this long without attempts (never while it is locked until a reset).
    public var signInAttemptRetention: Duration
    /// `EMAIL_LINK_RETENTION_DAYS` (default 7): magic links, codes and email tokens are deleted
    /// this long after they expired; until then they count towards per-address limits.
    public var emailLinkRetention: Duration
    /// Passkeys (WebAuthn): relying party id, origins, ceremony limits (PasskeySettings.swift).
    public var passkeys: PasskeySettings
    /// OAuth / OIDC sign-in providers (OAuthSettings.swift).
    public var oauth: OAuthSettings
    /// TOTP, recovery codes, MFA tickets and step-up (MFASettings.swift).
    public var mfa: MFASettings
    /// Data exports (Privacy/PrivacySettings.swift).
    public var privacy: PrivacySettings
    /// `ORGANIZATION_INVITATION_TTL_DAYS` (7): how long an organisation's invitation can be accepted.
    public var invitationLifetime: Duration
    /// Personal API tokens: longest lifetime, how many per user, rate limit (APITokenSettings.swift).
    public var apiTokens: APITokenSettings

    public init(
        accessTokenLifetime: Duration = AuthSettings.maximumAccessTokenLifetime,
        refreshTokenLifetime: Duration = .seconds(30 * 86400),
        refreshReuseGrace: Duration = .seconds(10),
        keyEncryptionKey: SymmetricKey,
        keyRotationInterval: Duration = .seconds(30 * 86400),
        publicURL: URL = URL(string: "http://127.0.0.1:8080")!,
        serviceClients: [(id: String, secret: String)] = [],
        unverifiedAccountLifetime: Duration = .seconds(7 * 86400),
        limits: RateLimits = RateLimits(),
        lockout: LockoutPolicy = LockoutPolicy(),
        signInAttemptRetention: Duration = .seconds(30 * 86400),
        emailLinkRetention: Duration = .seconds(7 * 86400),
        passkeys: PasskeySettings = PasskeySettings(),
        oauth: OAuthSettings = OAuthSettings(),
        mfa: MFASettings = MFASettings(),
        privacy: PrivacySettings = PrivacySettings(),
        invitationLifetime: Duration = .seconds(7 * 86400),
        apiTokens: APITokenSettings = APITokenSettings()
    ) {
        self.accessTokenLifetime = accessTokenLifetime
        self.refreshTokenLifetime = refreshTokenLifetime
        self.refreshReuseGrace = refreshReuseGrace
        self.keyEncryptionKey = keyEncryptionKey
        self.keyRotationInterval = keyRotationInterval
        self.publicURL = publicURL
        self.serviceClients = serviceClients
        self.unverifiedAccountLifetime = unverifiedAccountLifetime
        self.limits = limits
        self.lockout = lockout
        self.signInAttemptRetention = signInAttemptRetention
        self.emailLinkRetention = emailLinkRetention
        self.passkeys = passkeys
        self.oauth = oauth
        self.mfa = mfa
        self.privacy = privacy
        self.invitationLifetime = invitationLifetime
        self.apiTokens = apiTokens
    }

    /// Revocation is effective at refresh, so this bounds how long a revoked session still works.
    public static let maximumAccessTokenLifetime: Duration = .seconds(300)

    /// The key that derives successor refresh tokens, kept apart from the sealing key by HKDF.
    var refreshTokenKey: SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: self.keyEncryptionKey,
            info: Data("tract refresh-token successor v1".utf8),
            outputByteCount: 32
        )
    }

    public static func fromEnvironment(_ environment: EnvironmentReader = EnvironmentReader()) throws -> AuthSettings {
        guard let encoded = environment.optionalString("SIGNING_KEY_ENCRYPTION_KEY") else {
            throw ConfigurationError(
                variable: "SIGNING_KEY_ENCRYPTION_KEY",
                reason: "is required (32 random bytes, base64; e.g. `openssl rand -base64 32`)"
            )
        }
        guard let bytes = Data(base64Encoded: encoded), bytes.count == 32 else {
            throw ConfigurationError(variable: "SIGNING_KEY_ENCRYPTION_KEY", reason: "must be 32 bytes, base64-encoded")
        }
        var clients: [(id: String, secret: String)] = []
        for entry in environment.string("SERVICE_CLIENTS", default: "").split(separator: ",") {
            let parts = entry.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, parts[1].count >= 16 else {
                throw ConfigurationError(
                    variable: "SERVICE_CLIENTS",
                    reason: "must be id:secret pairs separated by commas, secrets of 16+ characters"
                )
            }
            // A client's scopes come from what its service does (ServiceGrants), so an id that names
            // no service could do nothing: refuse it rather than register a useless client.
            guard ServiceName(rawValue: parts[0]) != nil else {
                throw ConfigurationError(
                    variable: "SERVICE_CLIENTS",
                    reason: "client ids are service names (\(ServiceName.allCases.map(\.rawValue).joined(separator: ", "))); got \"\(parts[0])\""
                )
            }
            clients.append((parts[0], parts[1]))
        }
        return AuthSettings(
            accessTokenLifetime: .seconds(
                try environment.integer(
                    "ACCESS_TOKEN_TTL_SECONDS", default: 300, range: 60...Int(Self.maximumAccessTokenLifetime.components.seconds)
                )),
            refreshTokenLifetime: .seconds(86400 * (try environment.integer("REFRESH_TOKEN_TTL_DAYS", default: 30, range: 1...365))),
            refreshReuseGrace: .seconds(try environment.integer("REFRESH_REUSE_GRACE_SECONDS", default: 10, range: 0...120)),
            keyEncryptionKey: SymmetricKey(data: bytes),
            keyRotationInterval: .seconds(86400 * (try environment.integer("SIGNING_KEY_ROTATION_DAYS", default: 30, range: 1...365))),
            publicURL: try environment.url("PUBLIC_URL", default: "http://127.0.0.1:8080")!,
            serviceClients: clients,
            unverifiedAccountLifetime: .seconds(86400 * (try environment.integer("UNVERIFIED_ACCOUNT_TTL_DAYS", default: 7, range: 1...90))),
            limits: try RateLimits.fromEnvironment(environment),
            lockout: LockoutPolicy(
                threshold: try environment.integer("LOCKOUT_THRESHOLD", default: 30, range: 1...99),
                increment: .seconds(try environment.integer("LOCKOUT_WAIT_INCREMENT_SECONDS", default: 60, range: 1...3600)),
                maximumWait: .seconds(try environment.integer("LOCKOUT_MAX_WAIT_SECONDS", default: 900, range: 1...86400)),
                failuresCountedPerSource: try environment.integer("LOCKOUT_FAILURES_COUNTED_PER_SOURCE", default: 10, range: 1...100)
            ),
            signInAttemptRetention: .seconds(86400 * (try environment.integer("SIGN_IN_ATTEMPT_RETENTION_DAYS", default: 30, range: 1...3650))),
            emailLinkRetention: .seconds(86400 * (try environment.integer("EMAIL_LINK_RETENTION_DAYS", default: 7, range: 1...3650))),
            passkeys: try PasskeySettings.fromEnvironment(environment),
            oauth: try OAuthSettings.fromEnvironment(environment),
            mfa: try MFASettings.fromEnvironment(environment),
            privacy: try PrivacySettings.fromEnvironment(environment),
            invitationLifetime: .seconds(86400 * (try environment.integer("ORGANIZATION_INVITATION_TTL_DAYS", default: 7, range: 1...90))),
            apiTokens: try APITokenSettings.fromEnvironment(environment)
        )
    }
}

/// Default limits start from GoTrue's (Supabase Auth) and are each configurable.
public struct RateLimits: Sendable {
    /// `RATE_LIMIT_EMAIL_PER_HOUR_PER_IP` (30): mails sent on behalf of one address.
    public var emailSendsPerIP: TokenBucket
    /// `RATE_LIMIT_EMAIL_PER_ADDRESS_SECONDS` (60): one mail per destination per this many seconds.
    public var emailSendsPerAddress: TokenBucket
    /// `RATE_LIMIT_REFRESH_PER_5MIN_PER_IP` (150).
    public var refreshesPerIP: TokenBucket
    /// `RATE_LIMIT_VERIFY_PER_5MIN_PER_IP` (30): code and link checks.
    public var verificationsPerIP: TokenBucket
    /// `RATE_LIMIT_CODE_ATTEMPTS_PER_DAY_PER_ADDRESS` (20): six-digit code attempts for one email
    /// address across all its links and IPs, so a code cannot be walked by asking for link after
    /// link (20 a day is a one-in-50,000 chance a day; the link in the mail is not limited by it).
    public var codeAttemptsPerAddress: TokenBucket
    /// `RATE_LIMIT_SIGNIN_PER_5MIN_PER_IP` (60): password checks from one address.
    public var signInsPerIP: TokenBucket
    /// `RATE_LIMIT_SIGNUP_PER_HOUR_PER_IP` (30).
    public var signUpsPerIP: TokenBucket
    /// `RATE_LIMIT_PASSWORD_CHANGE_PER_HOUR_PER_USER` (5): each change checks the current password,
    /// so without a limit a stolen session could guess it.
    public var passwordChangesPerUser: TokenBucket
    /// `RATE_LIMIT_PASSWORD_CHANGE_PER_HOUR_PER_IP` (20).
    public var passwordChangesPerIP: TokenBucket

    public init(
        emailSendsPerIP: TokenBucket = TokenBucket(30, per: .seconds(3600)),
        emailSendsPerAddress: TokenBucket = TokenBucket(1, per: .seconds(60)),
        refreshesPerIP: TokenBucket = TokenBucket(150, per: .seconds(300)),
        verificationsPerIP: TokenBucket = TokenBucket(30, per: .seconds(300)),
        codeAttemptsPerAddress: TokenBucket = TokenBucket(20, per: .seconds(86400)),
        signInsPerIP: TokenBucket = TokenBucket(60, per: .seconds(300)),
        signUpsPerIP: TokenBucket = TokenBucket(30, per: .seconds(3600)),
        passwordChangesPerUser: TokenBucket = TokenBucket(5, per: .seconds(3600)),
        passwordChangesPerIP: TokenBucket = TokenBucket(20, per: .seconds(3600))
    ) {
        self.emailSendsPerIP = emailSendsPerIP
        self.emailSendsPerAddress = emailSendsPerAddress
        self.refreshesPerIP = refreshesPerIP
        self.verificationsPerIP = verificationsPerIP
        self.codeAttemptsPerAddress = codeAttemptsPerAddress
        self.signInsPerIP = signInsPerIP
        self.signUpsPerIP = signUpsPerIP
        self.passwordChangesPerUser = passwordChangesPerUser
        self.passwordChangesPerIP = passwordChangesPerIP
    }

    /// The slowest refill among these limits: a bucket idle that long is full again.
    var longestRefill: Duration {
        [self.emailSendsPerIP, self.emailSendsPerAddress, self.refreshesPerIP, self.verificationsPerIP, self.signInsPerIP, self.signUpsPerIP]
            .map(\.refillTime).max() ?? .seconds(3600)
    }

    static func fromEnvironment(_ environment: EnvironmentReader) throws -> RateLimits {
        RateLimits(
            emailSendsPerIP: TokenBucket(
                try environment.integer("RATE_LIMIT_EMAIL_PER_HOUR_PER_IP", default: 30, range: 1...100_000), per: .seconds(3600)),
            emailSendsPerAddress: TokenBucket(
                1, per: .seconds(try environment.integer("RATE_LIMIT_EMAIL_PER_ADDRESS_SECONDS", default: 60, range: 1...86400))),
            refreshesPerIP: TokenBucket(
                try environment.integer("RATE_LIMIT_REFRESH_PER_5MIN_PER_IP", default: 150, range: 1...1_000_000), per: .seconds(300)),
            verificationsPerIP: TokenBucket(
                try environment.integer("RATE_LIMIT_VERIFY_PER_5MIN_PER_IP", default: 30, range: 1...100_000), per: .seconds(300)),
            codeAttemptsPerAddress: TokenBucket(
                try environment.integer("RATE_LIMIT_CODE_ATTEMPTS_PER_DAY_PER_ADDRESS", default: 20, range: 1...10_000), per: .seconds(86400)),
            signInsPerIP: TokenBucket(
                try environment.integer("RATE_LIMIT_SIGNIN_PER_5MIN_PER_IP", default: 60, range: 1...1_000_000), per: .seconds(300)),
            signUpsPerIP: TokenBucket(
                try environment.integer("RATE_LIMIT_SIGNUP_PER_HOUR_PER_IP", default: 30, range: 1...100_000), per: .seconds(3600)),
            passwordChangesPerUser: TokenBucket(
                try environment.integer("RATE_LIMIT_PASSWORD_CHANGE_PER_HOUR_PER_USER", default: 5, range: 1...10_000), per: .seconds(3600)),
            passwordChangesPerIP: TokenBucket(
                try environment.integer("RATE_LIMIT_PASSWORD_CHANGE_PER_HOUR_PER_IP", default: 20, range: 1...100_000), per: .seconds(3600))
        )
    }
}
