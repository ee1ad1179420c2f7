import Foundation
import Hummingbird
import Models
import ServiceKit

/// `POST /v1/tax/oz-estimate` — "check how much tax you can save" (seed 000). Open to anyone; for a
/// signed-in user the estimate is also kept on their investor profile (`tax_calculator_used`), which
/// analytics counts in the funnel. The rules are `OZTaxRules`, pure and table-tested.
struct TaxRoutes: Sendable {
    let profiles: InvestorProfiles

    func addRoutes(to router: Router<TractRequestContext>) {
        router.post("v1/tax/oz-estimate") { request, context -> JSONDocument in
            let body = try await request.decode(as: OZTaxEstimateRequest.self, context: context)
            let estimate: OZTaxEstimate
            do {
                estimate = try OZTaxRules.estimate(body)
            } catch let error as RuleValidationError {
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
}
