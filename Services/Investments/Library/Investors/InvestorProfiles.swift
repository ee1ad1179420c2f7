import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// The "qualify as an investor" flow (seed 000 `investor_profiles`): the caller's capital-gain
/// facts, kept one row per user. Creating it tells `auth` (investor role) and `analytics`.
struct InvestorProfileController: RouteController {
    let profiles: InvestorProfiles

    struct Answers: Codable, Sendable {
        var capGainOrNot: Bool?
        var sizeOfCapGain: Money?
        var timeOfCapGain: CalendarDate?
        var taxBracket: Decimal?
        var geographicalZoneOfInvestment: String?

        func problems() -> FieldErrors {
            var errors = FieldErrors()
            if let size = self.sizeOfCapGain, size < .zero { errors.add("size_of_cap_gain", "must be 0 or more") }
            if let bracket = self.taxBracket, bracket < 0 || bracket > 1 {
                errors.add("tax_bracket", "must be a rate from 0 to 1, e.g. 0.238")
            }
            if let zone = self.geographicalZoneOfInvestment, zone.count > 100 {
                errors.add("geographical_zone_of_investment", "must be at most 100 characters")
            }
            if self.capGainOrNot == false, self.sizeOfCapGain.map({ $0 > .zero }) == true {
                errors.add("size_of_cap_gain", "must be empty or 0 when cap_gain_or_not is false")
            }
            return errors
        }

        /// 0–100: each of the five answers is a fifth of the profile.
        var completionScore: Int {
            [
                self.capGainOrNot != nil, self.sizeOfCapGain != nil, self.timeOfCapGain != nil, self.taxBracket != nil,
                self.geographicalZoneOfInvestment?.isEmpty == false,
            ].filter { $0 }.count * 20
        }
    }

    /// Mounted at `/v1/investor-profile`: the caller's own profile.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.show).put(use: self.save)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let userID = try context.identity.requireUser("Only users have investor profiles.")
        guard let text = try await self.profiles.find(userID, logger: context.logger) else {
            throw Problem.notFound("You have not qualified as an investor yet; PUT your answers first.")
        }
        return JSONDocument(text)
    }

    @Sendable func save(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let userID = try context.identity.requireUser("Only users have investor profiles.")
        let answers = try await request.decode(as: Answers.self, context: context)
        try answers.problems().check()
        let (text, created) = try await self.profiles.save(answers, for: userID, logger: context.logger)
        return JSONDocument(text, status: created ? .created : .ok)
    }
}

struct InvestorProfiles: Sendable {
    let postgres: PostgresClient
    let outbox: OutboxPublisher

    static let document = """
        jsonb_build_object('user_id', p.user_id, 'cap_gain_or_not', p.cap_gain_or_not,
            'size_of_cap_gain', p.size_of_cap_gain::text, 'time_of_cap_gain', p.time_of_cap_gain,
            'tax_bracket', p.tax_bracket, 'geographical_zone_of_investment', p.geographical_zone_of_investment,
            'profile_completion_score', p.profile_completion_score, 'tax_calculator_used', p.tax_calculator_used,
            'last_tax_estimate', p.last_tax_estimate, 'created_at', investments.rfc3339(p.created_at), 'updated_at', investments.rfc3339(p.updated_at))::text
        """

    func find(_ userID: UUID, logger: Logger) async throws -> String? {
        let rows = try await self.postgres.query(
            "SELECT \(unescaped: Self.document) FROM investments.investor_profiles p WHERE user_id = \(userID)", logger: logger
        )
        for try await text in rows.decode(String.self) { return text }
        return nil
    }

    func save(_ answers: InvestorProfileController.Answers, for userID: UUID, logger: Logger) async throws -> (String, Bool) {
        try await self.postgres.transaction(logger: logger) { connection in
            // `xmax = 0` only on a freshly inserted row: creation told from update atomically.
            let rows = try await connection.query(
                """
                INSERT INTO investments.investor_profiles AS p
                    (user_id, cap_gain_or_not, size_of_cap_gain, time_of_cap_gain, tax_bracket,
                     geographical_zone_of_investment, profile_completion_score)
                VALUES (\(userID), \(answers.capGainOrNot), \(answers.sizeOfCapGain), \(answers.timeOfCapGain?.description)::date,
                        \(answers.taxBracket), \(answers.geographicalZoneOfInvestment), \(answers.completionScore))
                ON CONFLICT (user_id) DO UPDATE SET
                    cap_gain_or_not = EXCLUDED.cap_gain_or_not, size_of_cap_gain = EXCLUDED.size_of_cap_gain,
                    time_of_cap_gain = EXCLUDED.time_of_cap_gain, tax_bracket = EXCLUDED.tax_bracket,
                    geographical_zone_of_investment = EXCLUDED.geographical_zone_of_investment,
                    profile_completion_score = EXCLUDED.profile_completion_score, updated_at = now()
                RETURNING \(unescaped: Self.document), (xmax = 0)
                """,
                logger: logger
            )
            var saved: (String, Bool)?
            for try await row in rows.decode((String, Bool).self) { saved = row }
            guard let saved else { throw Problem.conflict("The profile could not be saved; try again.") }
            if saved.1 {
                try await self.outbox.publish(InvestorProfileCreated(userId: userID), on: connection, logger: logger)
            }
            try await self.outbox.publish(
                InvestorQualificationSubmitted(userId: userID, capGain: answers.capGainOrNot, profileCompletionScore: answers.completionScore),
                on: connection, logger: logger
            )
            return saved
        }
    }

    /// The tax calculator was used: remembered on the profile (created if need be) and told to analytics.
    func recordTaxEstimate(
        _ estimate: String, regime: String, gain: Money, gainDate: CalendarDate, taxRate: Decimal, for userID: UUID, logger: Logger
    ) async throws {
        let answered = InvestorProfileController.Answers(capGainOrNot: true, sizeOfCapGain: gain, timeOfCapGain: gainDate, taxBracket: taxRate)
        try await self.postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO investments.investor_profiles AS p
                    (user_id, cap_gain_or_not, size_of_cap_gain, time_of_cap_gain, tax_bracket, tax_calculator_used,
                     last_tax_estimate, profile_completion_score)
                VALUES (\(userID), true, \(gain), \(gainDate.description)::date, \(taxRate), true, \(estimate)::jsonb, \(answered.completionScore))
                ON CONFLICT (user_id) DO UPDATE SET tax_calculator_used = true, last_tax_estimate = EXCLUDED.last_tax_estimate,
                    cap_gain_or_not = coalesce(p.cap_gain_or_not, true), size_of_cap_gain = coalesce(p.size_of_cap_gain, EXCLUDED.size_of_cap_gain),
                    time_of_cap_gain = coalesce(p.time_of_cap_gain, EXCLUDED.time_of_cap_gain),
                    tax_bracket = coalesce(p.tax_bracket, EXCLUDED.tax_bracket), updated_at = now()
                RETURNING (xmax = 0)
                """,
                logger: logger
            )
            for try await created in rows.decode(Bool.self) where created {
                try await self.outbox.publish(InvestorProfileCreated(userId: userID), on: connection, logger: logger)
            }
            try await self.outbox.publish(TaxCalculatorUsed(userId: userID, regime: regime), on: connection, logger: logger)
        }
    }
}
