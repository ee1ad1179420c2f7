import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

@testable import InvestmentsService

/// Every paged list of investments pages through 500 rows made in one statement — one `now()`, so
/// one `created_at` to the microsecond — seven at a time, showing each row exactly once (issue 12).
/// The old cursor carried `created_at` as JSON time, which drops the microseconds: its page 2
/// compared `(created_at, id) < (rounded time, id)`, which no row of the batch passes, so a list
/// stopped after its first seven rows.
@Suite struct KeysetPagingTests {
    static let sponsor = UUID()
    static let investor = UUID()
    static let verified = UUID()
    static let property = UUID()
    static let offering = UUID()
    static let otherOffering = UUID()
    static let evidenceVerification = UUID()

    @Test func everyListShowsEachRowOnce() async throws {
        try await TestDatabase.with(services: [.investments]) { database in
            let issuer = try TestIssuer()
            try await issuer.serve { jwksURL in
                let app = try await InvestmentsService.buildApplication(
                    .forTesting(.investments, database: database, jwksURL: jwksURL),
                    overrides: ServiceOverrides(runsOutboxDispatcher: false)
                )
                let admin = try await issuer.token(roles: [.admin])
                let investor = try await issuer.token(subject: Self.investor.uuidString.lowercased(), roles: [.investor])
                let verified = try await issuer.token(subject: Self.verified.uuidString.lowercased(), roles: [.investor])
                let lists = Self.lists(admin: admin, investor: investor, verified: verified)
                try await app.test(.router) { client in
                    let document = try await client.execute(uri: "/openapi.json", method: .get) { response async throws in
                        try JSONDecoder().decode(JSONValue.self, from: Data(response.body.readableBytesView))
                    }
                    PagingSweep.expectCoverage(of: document, by: lists, except: ["/internal/outbox/dead-letters"])
                    try await TestDatabase.withAdmin(database: database.name) { postgres in
                        // Lists after the first show only rows of these: the first sees every offering.
                        try await PagingSweep.check(lists[0], postgres: postgres, client: client)
                        try await postgres.query(Self.base)
                        for list in lists.dropFirst() {
                            try await PagingSweep.check(list, postgres: postgres, client: client)
                        }
                    }
                }
            }
        }
    }

    /// A property with two offerings of `sponsor`'s.
    static let base: PostgresQuery = """
        WITH copy AS (
            INSERT INTO investments.property_copies (property_id, sponsor_id, property_name, slug, status, visibility, city, state, in_oz, investment_open)
            VALUES (\(property), \(sponsor), 'The Elm', 'the-elm', 'active', 'investors', 'Prattville', 'AL', false, true)
            RETURNING property_id
        ), other AS (
            INSERT INTO investments.property_copies (property_id, sponsor_id, property_name, slug, status, visibility, city, state, in_oz, investment_open)
            VALUES (gen_random_uuid(), \(sponsor), 'The Oak', 'the-oak', 'active', 'investors', 'Prattville', 'AL', false, true)
            RETURNING property_id
        )
        INSERT INTO investments.offerings (id, property_id, sponsor_id, name, minimum_investment, target_raise)
        SELECT \(offering), property_id, \(sponsor), 'Elm', 1000, 1000000 FROM copy
        UNION ALL SELECT \(otherOffering), property_id, \(sponsor), 'Oak', 1000, 1000000 FROM other
        """

    /// 500 K-1 rows of the first offering, for `investor` (each a different investor when nil).
    static func k1s(investor: UUID?) -> PostgresQuery {
        """
        WITH ids AS (SELECT gen_random_uuid() AS id FROM generate_series(1, 500))
        INSERT INTO investments.k1_documents
            (id, offering_id, investor_id, tax_year, file_name, size_bytes, sha256, sealed, superseded_by, superseded_at, uploaded_by)
        SELECT id, \(Self.offering), coalesce(\(investor), gen_random_uuid()), 2025, 'k1.pdf', 5, repeat('a', 64), '\\x00'::bytea, id, now(),
               \(Self.sponsor)
        FROM ids
        """
    }

    static func lists(admin: String, investor: String, verified: String) -> [PagedList] {
        let property = Self.property.uuidString.lowercased()
        let offering = Self.offering.uuidString.lowercased()
        return [
            PagedList("/v1/offerings", token: admin) { postgres in
                try await postgres.query(
                    """
                    WITH copies AS (
                        INSERT INTO investments.property_copies (property_id, sponsor_id, property_name, slug, status, visibility, city, state, in_oz, investment_open)
                        SELECT gen_random_uuid(), \(Self.sponsor), 'P' || g, 'p-' || g, 'active', 'investors', 'Prattville', 'AL', false, true
                        FROM generate_series(1, 500) g
                        RETURNING property_id
                    )
                    INSERT INTO investments.offerings (id, property_id, sponsor_id, name, minimum_investment, target_raise)
                    SELECT gen_random_uuid(), property_id, \(Self.sponsor), 'Offering', 1000, 1000000 FROM copies
                    """
                )
            },
            PagedList("/v1/offerings/{id}/investments", url: "/v1/offerings/\(offering)/investments", token: admin) { postgres in
                try await postgres.query(
                    """
                    INSERT INTO investments.investments (id, offering_id, property_id, investor_id, amount, share_class)
                    SELECT gen_random_uuid(), \(Self.offering), \(Self.property), gen_random_uuid(), 1000, 'common' FROM generate_series(1, 500)
                    """
                )
            },
            // One live position per offering and investor: the investor's 500 are cancelled ones.
            PagedList("/v1/investments", token: investor) { postgres in
                try await postgres.query(
                    """
                    INSERT INTO investments.investments (id, offering_id, property_id, investor_id, amount, share_class, status)
                    SELECT gen_random_uuid(), o.id, o.property_id, \(Self.investor), 1000, 'common', 'cancelled'
                    FROM investments.offerings o, generate_series(1, 500) WHERE o.id = \(Self.otherOffering)
                    """
                )
            },
            PagedList("/v1/distributions", token: admin) { postgres in
                try await postgres.query(
                    """
                    INSERT INTO investments.distributions
                        (id, offering_id, property_id, distribution_type, distribution_date, total_amount, calculation_method, investors_total, created_by)
                    SELECT gen_random_uuid(), \(Self.offering), \(Self.property), 'quarterly', date '2026-09-30', 100, 'pro_rata', 100, \(Self.sponsor)
                    FROM generate_series(1, 500)
                    """
                )
            },
            // Issue 22: a verification's evidence files, as staff read them.
            PagedList(
                "/v1/verifications/{id}/evidence", url: "/v1/verifications/\(Self.evidenceVerification.uuidString.lowercased())/evidence",
                token: admin
            ) { postgres in
                try await postgres.query(
                    """
                    WITH verification AS (
                        INSERT INTO investments.verifications (id, user_id, type, status) VALUES (\(Self.evidenceVerification), gen_random_uuid(), 'accredited', 'pending')
                        RETURNING id
                    )
                    INSERT INTO investments.accreditation_files (id, verification_id, user_id, source, file_name, content_type, file_size, sha256, content)
                    SELECT gen_random_uuid(), verification.id, gen_random_uuid(), 'investor', 'f' || g || '.pdf', 'application/pdf', 5, repeat('a', 64), '\\x255044462d'::bytea
                    FROM verification, generate_series(1, 500) g
                    """
                )
            },
            // Issue 22: K-1s, every version, newest first; each row here supersedes itself, so the
            // one-current-per-year index does not limit how many one investor can have.
            PagedList("/v1/offerings/{id}/k1s", url: "/v1/offerings/\(offering)/k1s", token: admin) { postgres in
                try await postgres.query(Self.k1s(investor: nil))
            },
            PagedList("/v1/k1s", token: investor) { postgres in
                try await postgres.query(Self.k1s(investor: Self.investor))
            },
            PagedList("/v1/investor-profile/verifications", token: verified) { postgres in
                try await postgres.query(
                    """
                    INSERT INTO investments.verifications (id, user_id, type) SELECT gen_random_uuid(), \(Self.verified), 'kyc' FROM generate_series(1, 500)
                    """
                )
            },
            PagedList("/v1/verifications", url: "/v1/verifications?status=rejected", token: admin) { postgres in
                try await postgres.query(
                    """
                    INSERT INTO investments.verifications (id, user_id, type, status, rejection_reason, reviewed_at)
                    SELECT gen_random_uuid(), gen_random_uuid(), 'kyc', 'rejected', 'Unreadable', now() FROM generate_series(1, 500)
                    """
                )
            },
            PagedList("/v1/statements", token: admin) { postgres in
                try await postgres.query(
                    """
                    INSERT INTO investments.statements (id, investor_id, type, period_start, period_end, summary, transactions, holdings, performance, created_by)
                    SELECT gen_random_uuid(), gen_random_uuid(), 'monthly', date '2026-10-01', date '2026-10-31', '{}', '[]', '[]', '{}', \(Self.sponsor)
                    FROM generate_series(1, 500)
                    """
                )
            },
            // The financial lists are in period (or date and unit) order, each period once.
            PagedList("/v1/financials/properties/{property_id}/income", url: "/v1/financials/properties/\(property)/income", token: admin) {
                postgres in
                try await postgres.query(
                    """
                    INSERT INTO financials.property_income
                        (id, property_id, period_start, period_end, gross_rental_income, effective_rental_income, total_income, recorded_by)
                    SELECT gen_random_uuid(), \(Self.property), date '2020-01-01' + g, date '2020-01-01' + g, 0, 0, 0, \(Self.sponsor)
                    FROM generate_series(1, 500) g
                    """
                )
            },
            PagedList("/v1/financials/properties/{property_id}/expenses", url: "/v1/financials/properties/\(property)/expenses", token: admin) {
                postgres in
                try await postgres.query(
                    """
                    INSERT INTO financials.property_expenses (id, property_id, period_start, period_end, total_operating_expenses, total_expenses, recorded_by)
                    SELECT gen_random_uuid(), \(Self.property), date '2020-01-01' + g, date '2020-01-01' + g, 0, 0, \(Self.sponsor)
                    FROM generate_series(1, 500) g
                    """
                )
            },
            PagedList(
                "/v1/financials/properties/{property_id}/performance", url: "/v1/financials/properties/\(property)/performance", token: admin
            ) { postgres in
                try await postgres.query(
                    """
                    INSERT INTO financials.property_performance (id, property_id, period_start, period_end, recorded_by)
                    SELECT gen_random_uuid(), \(Self.property), date '2020-01-01' + g, date '2020-01-01' + g, \(Self.sponsor)
                    FROM generate_series(1, 500) g
                    """
                )
            },
            PagedList("/v1/financials/properties/{property_id}/rent-roll", url: "/v1/financials/properties/\(property)/rent-roll", token: admin) {
                postgres in
                try await postgres.query(
                    """
                    INSERT INTO financials.rent_roll (id, property_id, as_of_date, unit_id, unit_number, recorded_by)
                    SELECT gen_random_uuid(), \(Self.property), date '2026-10-31', gen_random_uuid(), 'U' || g, \(Self.sponsor)
                    FROM generate_series(1, 500) g
                    """
                )
            },
        ]
    }
}
