import AuthService
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@Suite struct AuthServiceTests {
    @Test func bootsMigratesAndServesItsOperationsRoutes() async throws {
        try await ServiceBootCheck.run(.auth) { configuration in
            try await buildApplication(configuration, settings: AuthFixture.settings())
        }
    }
}
