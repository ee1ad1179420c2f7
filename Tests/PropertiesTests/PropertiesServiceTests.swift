import PropertiesService
import Models
import ServiceKit
import Testing
import TestSupport

@Suite struct PropertiesServiceTests {
    @Test func bootsMigratesAndServesItsOperationsRoutes() async throws {
        try await ServiceBootCheck.run(.properties) { configuration in try await buildApplication(configuration) }
    }
}
