import AnalyticsService
import Models
import ServiceKit
import Testing
import TestSupport

@Suite struct AnalyticsServiceTests {
    @Test func bootsMigratesAndServesItsOperationsRoutes() async throws {
        try await ServiceBootCheck.run(.analytics) { configuration in try await buildApplication(configuration) }
    }
}
