import CommunicationsService
import Models
import ServiceKit
import TestSupport
import Testing

@Suite struct CommunicationsServiceTests {
    @Test func bootsMigratesAndServesItsOperationsRoutes() async throws {
        try await ServiceBootCheck.run(.communications) { configuration in try await buildApplication(configuration) }
    }
}
