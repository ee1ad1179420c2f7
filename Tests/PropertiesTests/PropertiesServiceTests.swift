import Models
import PropertiesService
import ServiceKit
import TestSupport
import Testing

@Suite struct PropertiesServiceTests {
    @Test func bootsMigratesAndServesItsOperationsRoutes() async throws {
        try await ServiceBootCheck.run(.properties) { configuration in try await buildApplication(configuration) }
    }
}
