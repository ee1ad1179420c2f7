/// One invalid input to a rule, named by its snake_case JSON field (`investment_date`). The service
/// edge turns these into `ProblemDetails.FieldError`s; the rules stay free of HTTP types.
struct RuleFieldError: Sendable, Equatable, Hashable, CustomStringConvertible {
    var field: String
    var message: String

    var description: String { "\(self.field) \(self.message)" }
}

/// A rule refused its inputs; `errors` lists every invalid field at once, not just the first.
struct RuleValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    var errors: [RuleFieldError]

    var description: String { self.errors.map(\.description).joined(separator: "; ") }
}

extension [RuleFieldError] {
    /// How a rule notes one more invalid field.
    mutating func add(_ field: String, _ message: String) { self.append(RuleFieldError(field: field, message: message)) }
}
