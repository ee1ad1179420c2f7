import Foundation
import HTTPTypes
import Models

/// Step-up (RFC 9470) for money moves and account-security changes: a user who has a second factor
/// must have proven it in the last `StepUp.maximumAge` before such a route acts for them.
public enum StepUp {
    /// Fifteen minutes (issue 15): long enough for one sitting, short enough that a session
    /// token stolen later cannot move money.
    public static let maximumAge: Duration = .seconds(900)
    /// Where a client proves a second factor again for its current session.
    public static let endpoint = "/v1/auth/mfa/step-up"
    public static let problemType = "https://tract.dev/problems/step-up-required"

    /// 401 with the RFC 9470 challenge and, in the body, how to step up.
    public static func required(maximumAge: Duration = StepUp.maximumAge, detail: String) -> Problem {
        let seconds = maximumAge.components.seconds
        let description = "A second factor proven in the last \(seconds / 60) minutes is required"
        return Problem(
            .unauthorized,
            detail: detail,
            headers: [
                .wwwAuthenticate:
                    "Bearer error=\"insufficient_user_authentication\", error_description=\"\(description)\", "
                    + "acr_values=\"\(SessionAuthentication.multiFactorACR)\", max_age=\(seconds)"
            ],
            type: Self.problemType,
            extensions: [
                "step_up": .object([
                    "endpoint": .string(Self.endpoint),
                    "max_age": .number(Double(seconds)),
                    "acr_values": .string(SessionAuthentication.multiFactorACR),
                    "methods": .array(["code", "recovery_code", "passkey"].map(JSONValue.string)),
                ])
            ]
        )
    }
}

extension Identity {
    /// Refuses a user whose token says they have a second factor but whose session has not proven
    /// it within `maximumAge` (RFC 9470 `insufficient_user_authentication`). Service tokens act for
    /// no person and pass, as do users without a second factor (issue 15: "when the user has MFA").
    ///
    /// `now` is the wall clock by default, the same clock the verifier judges `exp` by: token times
    /// are real times even where a service's own clock is fixed for a test.
    public func requireRecentMFA(maximumAge: Duration = StepUp.maximumAge, now: Date = Date()) throws {
        guard !self.isService, self.userID != nil, self.mfaEnrolled else { return }
        guard let mfaAt = self.mfaAt else {
            throw StepUp.required(
                maximumAge: maximumAge, detail: "This needs a second factor. Step up with your authenticator code or passkey, then retry.")
        }
        // A second factor "from the future" (clock skew between auth and this service) counts as now.
        guard now.timeIntervalSince(mfaAt) <= Double(maximumAge.components.seconds) else {
            throw StepUp.required(
                maximumAge: maximumAge,
                detail: "Your last second factor is too old for this. Step up with your authenticator code or passkey, then retry.")
        }
    }
}
