import Foundation
import JWTKit
import ServiceKit

/// The claims of an OpenID Connect ID token that sign-in decides on. Decoding is lenient where
/// providers differ (`aud` a string or a list; Apple's `email_verified` a string) and the checks
/// are `IDTokenRules`', so the signature check (jwt-kit) and the claim rules are apart.
struct IDTokenClaims: JWTPayload, Equatable {
    var iss: String
    var sub: String
    var aud: [String]
    var exp: Date
    var iat: Date
    var nbf: Date?
    var nonce: String?
    var azp: String?
    var email: String?
    var emailVerified: Bool?
    var name: String?
    var picture: String?
    /// Microsoft: the tenant that issued the token; names the issuer under `common`.
    var tid: String?
    /// Microsoft: "email domain owner verified", the one signal that its `email` is proven.
    var xmsEdov: Bool?

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, iat, nbf, nonce, azp, email, name, picture, tid
        case emailVerified = "email_verified"
        case xmsEdov = "xms_edov"
    }

    init(
        iss: String, sub: String, aud: [String], exp: Date, iat: Date, nbf: Date? = nil, nonce: String? = nil, azp: String? = nil,
        email: String? = nil, emailVerified: Bool? = nil, name: String? = nil, picture: String? = nil, tid: String? = nil, xmsEdov: Bool? = nil
    ) {
        self.iss = iss
        self.sub = sub
        self.aud = aud
        self.exp = exp
        self.iat = iat
        self.nbf = nbf
        self.nonce = nonce
        self.azp = azp
        self.email = email
        self.emailVerified = emailVerified
        self.name = name
        self.picture = picture
        self.tid = tid
        self.xmsEdov = xmsEdov
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.iss = try container.decode(String.self, forKey: .iss)
        self.sub = try container.decode(String.self, forKey: .sub)
        if let single = try? container.decode(String.self, forKey: .aud) {
            self.aud = [single]
        } else {
            self.aud = try container.decode([String].self, forKey: .aud)
        }
        self.exp = Date(timeIntervalSince1970: try container.decode(Double.self, forKey: .exp))
        self.iat = Date(timeIntervalSince1970: try container.decode(Double.self, forKey: .iat))
        self.nbf = try container.decodeIfPresent(Double.self, forKey: .nbf).map(Date.init(timeIntervalSince1970:))
        self.nonce = try? container.decodeIfPresent(String.self, forKey: .nonce)
        self.azp = try? container.decodeIfPresent(String.self, forKey: .azp)
        self.email = try? container.decodeIfPresent(String.self, forKey: .email)
        self.emailVerified = Self.flag(container, .emailVerified)
        self.name = try? container.decodeIfPresent(String.self, forKey: .name)
        self.picture = try? container.decodeIfPresent(String.self, forKey: .picture)
        self.tid = try? container.decodeIfPresent(String.self, forKey: .tid)
        self.xmsEdov = Self.flag(container, .xmsEdov)
    }

    /// A boolean claim as JSON `true` or, as Apple sends it, the string `"true"`.
    static func flag(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) -> Bool? {
        if let value = try? container.decodeIfPresent(Bool.self, forKey: key) { return value }
        if let text = try? container.decodeIfPresent(String.self, forKey: key) { return text == "true" }
        return nil
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.iss, forKey: .iss)
        try container.encode(self.sub, forKey: .sub)
        try container.encode(self.aud, forKey: .aud)
        try container.encode(Int(self.exp.timeIntervalSince1970), forKey: .exp)
        try container.encode(Int(self.iat.timeIntervalSince1970), forKey: .iat)
        try container.encodeIfPresent(self.nbf.map { Int($0.timeIntervalSince1970) }, forKey: .nbf)
        try container.encodeIfPresent(self.nonce, forKey: .nonce)
        try container.encodeIfPresent(self.azp, forKey: .azp)
        try container.encodeIfPresent(self.email, forKey: .email)
        try container.encodeIfPresent(self.emailVerified, forKey: .emailVerified)
        try container.encodeIfPresent(self.name, forKey: .name)
        try container.encodeIfPresent(self.picture, forKey: .picture)
        try container.encodeIfPresent(self.tid, forKey: .tid)
        try container.encodeIfPresent(self.xmsEdov, forKey: .xmsEdov)
    }

    /// The claim rules are `IDTokenRules`', applied after the signature with the flow's nonce.
    func verify(using algorithm: some JWTAlgorithm) throws {}
}

/// Why an ID token was refused; the raw value is what login history records.
enum IDTokenRejection: String, Error, Equatable {
    case wrongIssuer = "id_token_wrong_issuer"
    case wrongAudience = "id_token_wrong_audience"
    case missingAuthorizedParty = "id_token_azp_missing"
    case wrongAuthorizedParty = "id_token_wrong_azp"
    case expired = "id_token_expired"
    case notYetValid = "id_token_not_yet_valid"
    case issuedInTheFuture = "id_token_issued_in_the_future"
    case tooOld = "id_token_too_old"
    case wrongNonce = "id_token_wrong_nonce"
    case noSubject = "id_token_no_subject"
}

/// OpenID Connect Core §3.1.3.7, the checks a relying party makes of an ID token after its
/// signature. Pure: claims, expectations and a time in; nothing or the first rule broken out.
enum IDTokenRules {
    struct Expectations: Sendable {
        /// The discovery document's `issuer`; may hold `{tenantid}` (Microsoft's multi-tenant endpoints).
        var issuer: String
        var clientID: String
        /// The nonce the flow sent; the token must carry exactly it (replayed tokens carry another).
        var nonce: String
        var now: Date
        /// Clock skew allowed between us and the provider.
        var leeway: TimeInterval = 120
        /// A token minted longer ago than this is not the answer to a flow started minutes ago.
        var maximumAge: TimeInterval = 900
    }

    static func check(_ claims: IDTokenClaims, _ expected: Expectations) throws(IDTokenRejection) {
        guard Self.issuerMatches(expected: expected.issuer, actual: claims.iss, tenantID: claims.tid) else { throw .wrongIssuer }
        guard !claims.sub.isEmpty, claims.sub.utf8.count <= 255 else { throw .noSubject }
        // §3.1.3.7 (3): aud must contain the client id; other audiences are not ours to trust.
        guard claims.aud.contains(expected.clientID) else { throw .wrongAudience }
        // (4)-(5): several audiences need azp, and an azp must be us.
        if claims.aud.count > 1, claims.azp == nil { throw .missingAuthorizedParty }
        if let azp = claims.azp, azp != expected.clientID { throw .wrongAuthorizedParty }
        // (3) again: an audience besides us is a party we do not trust with our users' sign-in.
        guard claims.aud.allSatisfy({ $0 == expected.clientID }) else { throw .wrongAudience }
        // (9)-(10): expiry and issue time, with a little skew.
        guard claims.exp.addingTimeInterval(expected.leeway) > expected.now else { throw .expired }
        if let notBefore = claims.nbf, notBefore.addingTimeInterval(-expected.leeway) > expected.now { throw .notYetValid }
        guard claims.iat.addingTimeInterval(-expected.leeway) <= expected.now else { throw .issuedInTheFuture }
        guard expected.now.timeIntervalSince(claims.iat) <= expected.maximumAge else { throw .tooOld }
        // (11): the nonce binds the token to this flow; compared in constant time.
        guard let nonce = claims.nonce, SecretToken.constantTimeEquals(nonce, expected.nonce) else { throw .wrongNonce }
    }

    /// Exact match, except Microsoft's multi-tenant rule: an issuer template holding `{tenantid}`
    /// (the `common`/`organizations` discovery document) matches the token's issuer only with the
    /// token's own `tid` put in its place, so a token from one tenant cannot pose as another's.
    static func issuerMatches(expected: String, actual: String, tenantID: String?) -> Bool {
        guard expected.contains("{tenantid}") else { return actual == expected }
        guard let tenantID, Self.isTenantID(tenantID) else { return false }
        return actual == expected.replacingOccurrences(of: "{tenantid}", with: tenantID)
    }

    /// A tenant id is a GUID; anything else in `tid` (a path, a second host) is refused.
    static func isTenantID(_ text: String) -> Bool {
        text.utf8.count == 36 && UUID(uuidString: text) != nil
    }
}
