import Models
import ServiceKit

/// Where the pure rules meet HTTP: their field errors become a 422 problem naming the fields,
/// optionally under a parent field (`waterfall.catch_up_rate`).
extension RuleValidationError {
    func problem(under parent: String? = nil) -> Problem {
        Problem.validation(
            self.errors.map { error in .init(field: parent.map { "\($0).\(error.field)" } ?? error.field, message: error.message) }
        )
    }
}
