import AnalyticsService
import Models
import ServiceKit
import TestSupport
import Testing

@Suite struct AnalyticsServiceTests {
    @Test func bootsMigratesAndServesItsOperationsRoutes() async throws {
        try await ServiceBootCheck.run(.analytics) { configuration in try await buildApplication(configuration) }
    }
}
