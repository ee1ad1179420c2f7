/// The investment lifecycle (seed 001 `property_investments.status`, plus `cancelled`):
/// pending → committed → funded → exited, and cancelled from pending or committed. Pure.
enum InvestmentStatus: String, Codable, Sendable, CaseIterable {
    case pending, committed, funded, exited, cancelled

    /// The moves a client can ask for, by the name of their route.
    enum Move: String, Sendable, CaseIterable {
        case commit, fund, exit, cancel

        var target: InvestmentStatus {
            switch self {
            case .commit: .committed
            case .fund: .funded
            case .exit: .exited
            case .cancel: .cancelled
            }
        }
    }

    func allows(_ move: Move) -> Bool {
        switch (self, move) {
        case (.pending, .commit), (.committed, .fund), (.funded, .exit), (.pending, .cancel), (.committed, .cancel): true
        default: false
        }
    }

    /// Commitments count against the offering's target until they are cancelled.
    var holdsRoom: Bool { self == .committed || self == .funded || self == .exited }
}
