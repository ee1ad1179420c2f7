import InvestmentsService
import Models
import ServiceKit
import Testing
import TestSupport

@Suite struct InvestmentsServiceTests {
    @Test func bootsMigratesAndServesItsOperationsRoutes() async throws {
        try await ServiceBootCheck.run(.investments) { configuration in try await buildApplication(configuration) }
    }
}
