import Models
import ServiceKit

/// Where the pure rules meet HTTP, the one place: their field errors join a request's
/// `FieldErrors` (the one 422 naming every field), optionally under a parent field
/// (`waterfall.catch_up_rate`).
extension FieldErrors {
    mutating func add(contentsOf errors: [RuleFieldError], under parent: String? = nil) {
        for error in errors { self.add(parent.map { "\($0).\(error.field)" } ?? error.field, error.message) }
    }
}

extension RuleValidationError {
    func problem(under parent: String? = nil) -> Problem {
        var errors = FieldErrors()
        errors.add(contentsOf: self.errors, under: parent)
        return Problem.validation(errors.all)
    }
}
