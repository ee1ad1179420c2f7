import Foundation
import Hummingbird

extension Parameters {
    /// A path id. Anything but a UUID cannot name a row, so it is the same 404 an unknown id gets,
    /// naming `what` ("No offering has this id.").
    public func uuid(_ name: String, _ what: String) throws -> UUID {
        guard let id = self.get(name).flatMap(UUID.init(uuidString:)) else { throw Problem.notFound("No \(what) has this id.") }
        return id
    }
}
