import ServiceKit

extension AuthEntryPoint {
    public static var settingsHelp: String {
        """
          SIGNING_KEY_ENCRYPTION_KEY  32 bytes, base64, sealing signing keys (required)
          SIGNING_KEY_ROTATION_DAYS   new signing key after this long (30)
          ACCESS_TOKEN_TTL_SECONDS    access-token lifetime, 60-300 (300)
          REFRESH_TOKEN_TTL_DAYS      session lifetime without use (30)
          REFRESH_REUSE_GRACE_SECONDS concurrent refreshes share a successor (10)
          SERVICE_CLIENTS             id:secret,... client-credentials clients
                                      (ids are service names; others removed)
          UNVERIFIED_ACCOUNT_TTL_DAYS unproven sign-ups expire after (7)
          PUBLIC_URL                  base of links in emails (http://127.0.0.1:8080)
          LOCKOUT_THRESHOLD           failed sign-ins from one IP before delays (30)
          LOCKOUT_WAIT_INCREMENT_SECONDS, LOCKOUT_MAX_WAIT_SECONDS (60, 900)
          LOCKOUT_FAILURES_COUNTED_PER_SOURCE    failures one IP adds toward the hard lock (10)
          RATE_LIMIT_EMAIL_PER_HOUR_PER_IP       mails per client IP (30)
          RATE_LIMIT_EMAIL_PER_ADDRESS_SECONDS   one mail per address per (60)
          RATE_LIMIT_REFRESH_PER_5MIN_PER_IP     token refreshes (150)
          RATE_LIMIT_VERIFY_PER_5MIN_PER_IP      link and code checks (30)
          RATE_LIMIT_CODE_ATTEMPTS_PER_DAY_PER_ADDRESS  code attempts per email address (20)
          RATE_LIMIT_SIGNIN_PER_5MIN_PER_IP      password checks (60)
          RATE_LIMIT_SIGNUP_PER_HOUR_PER_IP      sign-ups (30)
          RATE_LIMIT_PASSWORD_CHANGE_PER_HOUR_PER_USER  password changes per user (5)
          RATE_LIMIT_PASSWORD_CHANGE_PER_HOUR_PER_IP    password changes per client IP (20)
          SIGN_IN_ATTEMPT_RETENTION_DAYS         idle failure counts kept (30)
          EMAIL_LINK_RETENTION_DAYS              expired links and tokens kept (7)
          MFA_ISSUER                  otpauth:// issuer and label prefix (Tract)
          MFA_TICKET_TTL_SECONDS      second sign-in step must finish within, 30-300 (300)
          MFA_TICKET_ATTEMPTS         wrong factors per MFA ticket (5)
          RATE_LIMIT_MFA_PER_5MIN_PER_IP         second-factor checks per client IP (30)
          RATE_LIMIT_MFA_PER_5MIN_PER_USER       second-factor checks per user (10)
          PASSKEY_RP_ID               WebAuthn RP ID (PUBLIC_URL's host; localhost for an IP)
          PASSKEY_RP_NAME             name authenticators show (Tract)
          PASSKEY_ORIGINS             origins ceremonies may run on, comma list (PUBLIC_URL's)
          PASSKEY_CHALLENGE_TTL_SECONDS          passkey challenge lifetime, 30-900 (300)
          RATE_LIMIT_PASSKEY_PER_5MIN_PER_IP     passkey options and verifications (60)
          OAUTH_PROVIDERS             sign-in providers: google,microsoft,apple,github,<name>
          OAUTH_<NAME>_CLIENT_ID, OAUTH_<NAME>_CLIENT_SECRET    per provider (required)
          OAUTH_<NAME>_DISCOVERY_URL  OIDC issuer (known for google, microsoft, apple)
          OAUTH_<NAME>_SCOPES         space-separated (openid email profile)
          OAUTH_APPLE_TEAM_ID, OAUTH_APPLE_KEY_ID, OAUTH_APPLE_PRIVATE_KEY  Apple's ES256 key
          OAUTH_GITHUB_AUTHORIZE_URL, OAUTH_GITHUB_TOKEN_URL, OAUTH_GITHUB_API_URL (github.com)
          OAUTH_REDIRECT_BASE         callback base, <base>/v1/auth/oauth/<name>/callback (PUBLIC_URL)
          OAUTH_ALLOWED_REDIRECTS     where apps may be sent back (PUBLIC_URL's origin)
          OAUTH_FLOW_TTL_SECONDS      flows, sign-in codes, link tickets, 60-600 (600)
          RATE_LIMIT_OAUTH_PER_5MIN_PER_IP       authorize and callback requests (60)
          API_TOKEN_MAX_TTL_DAYS      longest API-token lifetime, 1-365 (365)
          API_TOKENS_PER_USER         live API tokens one user may hold (20)
          RATE_LIMIT_API_TOKEN_PER_MINUTE        requests per API token, all services (600)
        """
    }
}
