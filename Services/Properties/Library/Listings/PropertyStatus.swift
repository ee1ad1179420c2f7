/// Where a property is in its life (seed 001 `status`), and which moves between states are allowed.
/// Pure, so the rules are unit-tested.
enum PropertyStatus: String, Codable, Sendable, CaseIterable {
    case prospect, active, renovating, selling, sold

    /// `prospect → active → renovating → selling → sold`, with the steps back a real deal takes:
    /// a renovation finishes (back to `active`), a sale falls through (`selling → active`).
    /// A sold property stays sold.
    var next: Set<PropertyStatus> {
        switch self {
        case .prospect: [.active]
        case .active: [.renovating, .selling]
        case .renovating: [.active, .selling]
        case .selling: [.active, .sold]
        case .sold: []
        }
    }

    func canMove(to status: PropertyStatus) -> Bool { status == self || self.next.contains(status) }
}

/// Who may see a property besides its sponsor and staff.
enum PropertyVisibility: String, Codable, Sendable, CaseIterable {
    /// Its sponsor (and their organisation) and admins only.
    case `private`
    /// Any signed-in user.
    case investors
    /// Anyone, signed in or not.
    case `public`
}
