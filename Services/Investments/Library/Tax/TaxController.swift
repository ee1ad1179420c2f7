import Foundation
import Hummingbird
import Models
import ServiceKit

/// `POST /v1/tax/oz-estimate` — "check how much tax you can save" (seed 000). Open to anyone; for a
/// signed-in user the estimate is also kept on their investor profile (`tax_calculator_used`), which
/// analytics counts in the funnel. The rules are `OZTaxRules`, pure and table-tested.
/// `POST /v1/oz/tax-estimate` is the same route under the name the product brief also uses, next to
/// the OZ check (`/v1/oz/check`, properties); the gateway sends that one exact path here.
struct TaxController: RouteController {
    let profiles: InvestorProfiles

    /// Open to anyone: mounted at `/v1/tax/oz-estimate` and at `/v1/oz/tax-estimate`.
    var publicEndpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .post(use: self.estimate)
    }

    @Sendable func estimate(_ request: Request, context: TractRequestContext) async throws -> JSONDocument {
        let body = try await request.decode(as: OZTaxEstimateRequest.self, context: context)
        let estimate: OZTaxEstimate
        do {
            estimate = try OZTaxRules.estimate(body)
        } catch {
            throw error.problem()
        }
        let text = String(decoding: try JSONEncoder.tract.encode(estimate), as: UTF8.self)
        if let userID = context.identity?.userID {
            try await self.profiles.recordTaxEstimate(
                text, regime: estimate.regime.rawValue, gain: body.gainAmount, gainDate: body.gainDate, taxRate: body.taxRate,
                for: userID, logger: context.logger
            )
        }
        return JSONDocument(text)
    }
}
