import Foundation

/// Events `investments` publishes: `communications` tells investors, `analytics` follows the funnel.

/// An investor committed money to an offering (room was reserved for it).
public struct InvestmentCommitted: DomainEvent, Equatable {
    public static let eventType = "investment.committed"
    public var investmentId: UUID
    public var offeringId: UUID
    public var propertyId: UUID
    public var investorId: UUID
    public var amount: Money

    public init(investmentId: UUID, offeringId: UUID, propertyId: UUID, investorId: UUID, amount: Money) {
        self.investmentId = investmentId
        self.offeringId = offeringId
        self.propertyId = propertyId
        self.investorId = investorId
        self.amount = amount
    }
}

/// The sponsor confirmed the investor's money arrived.
public struct InvestmentFunded: DomainEvent, Equatable {
    public static let eventType = "investment.funded"
    public var investmentId: UUID
    public var offeringId: UUID
    public var propertyId: UUID
    public var investorId: UUID
    public var amount: Money
    public var fundingDate: String

    public init(investmentId: UUID, offeringId: UUID, propertyId: UUID, investorId: UUID, amount: Money, fundingDate: String) {
        self.investmentId = investmentId
        self.offeringId = offeringId
        self.propertyId = propertyId
        self.investorId = investorId
        self.amount = amount
        self.fundingDate = fundingDate
    }
}

/// An offering's totals changed (a commitment reserved room, a cancellation released it), so
/// `properties` can show what the listing has raised. It carries the totals themselves, not the
/// change, and `version` (the offering's totals version, raised with every change under the row
/// lock): a follower applies the newest it has seen, so redeliveries and late deliveries change nothing.
public struct OfferingTotalsChanged: DomainEvent, Equatable {
    public static let eventType = "offering.totals_changed"
    public var offeringId: UUID
    public var propertyId: UUID
    public var amountRaised: Money
    public var investorCount: Int
    public var version: Int64

    public init(offeringId: UUID, propertyId: UUID, amountRaised: Money, investorCount: Int, version: Int64) {
        self.offeringId = offeringId
        self.propertyId = propertyId
        self.amountRaised = amountRaised
        self.investorCount = investorCount
        self.version = version
    }
}

/// A distribution was paid out to every investor in it.
public struct DistributionCompleted: DomainEvent, Equatable {
    public static let eventType = "distribution.completed"
    public var distributionId: UUID
    public var offeringId: UUID
    public var propertyId: UUID
    public var totalAmount: Money
    public var investorCount: Int

    public init(distributionId: UUID, offeringId: UUID, propertyId: UUID, totalAmount: Money, investorCount: Int) {
        self.distributionId = distributionId
        self.offeringId = offeringId
        self.propertyId = propertyId
        self.totalAmount = totalAmount
        self.investorCount = investorCount
    }
}

/// One investor's line of a completed distribution was paid (one event per line, published with
/// `distribution.completed`), so communications can tell each investor what they received.
public struct DistributionPaid: DomainEvent, Equatable {
    public static let eventType = "distribution.paid"
    public var distributionId: UUID
    public var investmentId: UUID
    public var investorId: UUID
    public var propertyId: UUID
    public var distributionType: String
    public var paymentDate: String
    public var grossAmount: Money
    public var taxWithheld: Money
    public var netAmount: Money

    public init(
        distributionId: UUID, investmentId: UUID, investorId: UUID, propertyId: UUID, distributionType: String, paymentDate: String,
        grossAmount: Money, taxWithheld: Money, netAmount: Money
    ) {
        self.distributionId = distributionId
        self.investmentId = investmentId
        self.investorId = investorId
        self.propertyId = propertyId
        self.distributionType = distributionType
        self.paymentDate = paymentDate
        self.grossAmount = grossAmount
        self.taxWithheld = taxWithheld
        self.netAmount = netAmount
    }
}

/// Someone qualified as an investor: submitted the profile's capital-gain facts.
public struct InvestorQualificationSubmitted: DomainEvent, Equatable {
    public static let eventType = "investor_qualification.submitted"
    public var userId: UUID
    public var capGain: Bool?
    public var profileCompletionScore: Int

    public init(userId: UUID, capGain: Bool?, profileCompletionScore: Int) {
        self.userId = userId
        self.capGain = capGain
        self.profileCompletionScore = profileCompletionScore
    }
}

/// Someone used the OZ tax calculator (seed 000 `tax_calculator_used`).
public struct TaxCalculatorUsed: DomainEvent, Equatable {
    public static let eventType = "tax_calculator.used"
    public var userId: UUID
    public var regime: String

    public init(userId: UUID, regime: String) {
        self.userId = userId
        self.regime = regime
    }
}

/// An investor's statement was finalised and sent (its email is requested in the same transaction).
public struct StatementSent: DomainEvent, Equatable {
    public static let eventType = "statement.sent"
    public var statementId: UUID
    public var investorId: UUID
    public var statementType: String
    public var periodStart: String
    public var periodEnd: String

    public init(statementId: UUID, investorId: UUID, statementType: String, periodStart: String, periodEnd: String) {
        self.statementId = statementId
        self.investorId = investorId
        self.statementType = statementType
        self.periodStart = periodStart
        self.periodEnd = periodEnd
    }
}
