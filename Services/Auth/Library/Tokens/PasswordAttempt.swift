import Foundation
import PostgresNIO
import ServiceKit

/// A password sign-in's one round trip before its hash, prepared once per connection: take the
/// sign-in rate limit's token, count the attempt in the lockout (`auth.admit_sign_in`, migration
/// 0018) and read the account with its second factors. One statement and one commit, where it was
/// a transaction of five statements (BEGIN, the bucket, the address, the source, COMMIT), a read
/// of the account and, after the hash, a read of its factors (issue 19).
///
/// The lockout runs only when the bucket allowed the attempt, and once: `admission` is
/// materialised and has one row. The account is read whether or not the attempt was admitted;
/// the caller looks at it only when it was.
struct PasswordAttemptStatement: PostgresPreparedStatement {
    struct Row: Sendable {
        var allowed: Bool
        var tokens: Double
        /// Set when the bucket allowed the attempt.
        var admission: Lockout.Admission?
        /// The account, when the address has one that is not deleted.
        var user: User?
        var factors: MFAFactors
    }

    static let name = "auth_password_attempt"

    var limit: Sessions.Limit
    var email: String
    var source: String?
    var lockout: Lockout

    static let bindingDataTypes: [PostgresDataType] = [.text, .text, .float8, .float8] + Lockout.admissionTypes

    static let sql = """
        WITH bucket AS (
            \(RateLimiter.upsertSQL(schema: "auth", action: "$1", identifier: "$2", burst: "$3", perSecond: "$4"))
        ), admission AS MATERIALIZED (
            SELECT allowed, tokens, CASE WHEN allowed THEN \(Lockout.admissionCall(first: 5)) END AS outcome FROM bucket
        )
        SELECT a.allowed, a.tokens, a.outcome, \(MFAFactors.columns), \(Users.columns)
        FROM admission a LEFT JOIN auth.users u ON u.email = $5 AND u.deleted_at IS NULL
        """

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 11)
        bindings.append(self.limit.action)
        bindings.append(self.limit.identifier)
        bindings.append(self.limit.bucket.burst)
        bindings.append(self.limit.bucket.perSecond)
        self.lockout.bind(email: self.email, source: self.source, to: &bindings)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let row = row.makeRandomAccess()
        // allowed, tokens, outcome, then MFAFactors' three columns, then the account's.
        let userColumn = 6
        return Row(
            allowed: try row[0].decode(Bool.self),
            tokens: try row[1].decode(Double.self),
            admission: try row[2].decode(Int32?.self).map(Lockout.admission),
            user: try row[userColumn].decode(UUID?.self) == nil ? nil : try User(row, from: userColumn),
            factors: try MFAFactors(row, from: 3)
        )
    }
}
