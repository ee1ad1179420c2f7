import Foundation
import Models
import Testing

@testable import InvestmentsService

@Suite struct ComplianceAlertsTests {
    /// (days before the deadline, threshold due or nil)
    @Test(arguments: [(91, nil), (90, 90), (31, 90), (30, 30), (8, 30), (7, 7), (0, 7), (-1, nil)] as [(Int, Int?)])
    func theNearestThresholdReachedIsDue(_ example: (Int, Int?)) {
        let deadline = day("2025-12-31")
        let alert = ComplianceAlerts.due(.assetTest, deadline: deadline, today: deadline.adding(days: -example.0))
        #expect(alert?.daysBefore == example.1)
        #expect(alert.map { $0.daysLeft } == (example.1 == nil ? nil : example.0))
    }

    /// A calendar-year QOF since April 2025 (tests 2025-09-30 and 2025-12-31): on 2025-09-01 the
    /// September test is 29 days away (30-day alert) and December's 121 (none yet); an at-risk
    /// improvement window ending 2025-09-08 is 7 days away. A window on track gets no alert.
    @Test func aFundsAlertsOnADay() throws {
        let calendar = QOFCalendar(taxYearEndMonth: 12, firstQOFMonth: ComplianceMonth(year: 2025, month: 4)!)
        let input = SubstantialImprovementInput(
            acquiredOn: day("2023-03-08"), buildingBasis: usd("600000"), landBasis: usd("400000"), originalUse: nil, spend: [],
            schedule: [], asOf: day("2025-09-01"))
        let atRisk = try SubstantialImprovement.evaluate(input)
        #expect(atRisk.status == .atRisk && atRisk.windowEnd == day("2025-09-08"))
        let alerts = ComplianceAlerts.due(calendar: calendar, improvement: atRisk, today: day("2025-09-01"))
        #expect(
            alerts == [
                .init(kind: .assetTest, deadline: day("2025-09-30"), daysBefore: 30, daysLeft: 29),
                .init(kind: .improvementWindow, deadline: day("2025-09-08"), daysBefore: 7, daysLeft: 7),
            ])
        var onTrack = input
        onTrack.schedule = [DatedAmount(on: day("2025-09-05"), amount: usd("600000.01"))]
        let fine = try SubstantialImprovement.evaluate(onTrack)
        #expect(ComplianceAlerts.due(calendar: calendar, improvement: fine, today: day("2025-09-01")).map(\.kind) == [.assetTest])
    }
}
