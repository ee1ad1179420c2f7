import Foundation
import Models
import ServiceKit
import Testing

@testable import PropertiesService

/// The pure rules behind a property's parts: how bodies become fields, and the checks that need
/// no database.
@Suite struct PartRulesTests {
    static func problem(_ body: () throws -> Any) -> [String] {
        do {
            _ = try body()
            return []
        } catch let problem as Problem {
            return problem.errors.map(\.field)
        } catch {
            return ["unexpected \(error)"]
        }
    }

    @Test func aPatchIsMergedOverTheStoredPartThenValidatedWhole() throws {
        let stored: JSONValue = [
            "id": "x", "unit_number": "101", "lease_start_date": "2025-01-01", "appliances": ["range"], "has_balcony": true,
            "has_patio": false, "created_at": "2025-01-01T00:00:00.000Z",
        ]
        let merged = try PartBody.merge(["lease_end_date": "2025-12-31", "appliances": []], over: stored, as: UnitFields.self, currentYear: 2025)
        #expect(merged.unitNumber == "101")
        #expect(merged.leaseEndDate == "2025-12-31")
        #expect(merged.appliances == [])
        #expect(merged.hasBalcony == true)
        // Stored values take part in rules across fields.
        #expect(
            Self.problem { try PartBody.merge(["lease_end_date": "2024-12-31"], over: stored, as: UnitFields.self, currentYear: 2025) } == [
                "lease_end_date"
            ])
        // `null` clears what may be absent, never what must be there; server fields are not fields.
        #expect(try PartBody.merge(["lease_start_date": nil], over: stored, as: UnitFields.self, currentYear: 2025).leaseStartDate == nil)
        #expect(
            Self.problem { try PartBody.merge(["has_patio": nil, "id": "y"], over: stored, as: UnitFields.self, currentYear: 2025) } == [
                "has_patio", "id",
            ])
    }

    @Test func aNewPartStartsWithItsDefaults() throws {
        let unit = try PartBody.create(["unit_number": "7"], as: UnitFields.self, currentYear: 2025)
        #expect(unit == UnitFields(unitNumber: "7", appliances: [], hasBalcony: false, hasPatio: false))
        let project = try PartBody.create(["project_name": "Roof"], as: RenovationProjectFields.self, currentYear: 2025)
        #expect(project.status == "planning")
        #expect(project.commonAreasAffected == [])
        #expect(try PartBody.create(["update_date": "2025-05-01"], as: ProgressUpdateFields.self, currentYear: 2025).changeOrders == .array([]))
    }

    @Test func numbersAndDatesAreCheckedAsWritten() {
        var errors = FieldErrors()
        for good in ["2024-02-29", "2025-12-31", "0001-01-01"] { errors.date(good, good) }
        #expect(errors.all.isEmpty)
        for bad in ["2025-02-29", "2025-04-31", "2025-13-01", "0000-01-01", "2025-1-1", "31/12/2025"] { errors.date(bad, bad) }
        #expect(errors.all.map(\.field) == ["2025-02-29", "2025-04-31", "2025-13-01", "0000-01-01", "2025-1-1", "31/12/2025"])

        // Binary doubles do not hold most decimals exactly; what the client wrote is what counts.
        #expect(0.57.hasAtMost(decimals: 2))
        #expect(1.15.hasAtMost(decimals: 2))
        #expect(1.2345.hasAtMost(decimals: 4))
        #expect(!6.255.hasAtMost(decimals: 2))
        var halves = FieldErrors()
        halves.halves("a", 2.5, 0...20)
        halves.halves("b", 1.25, 0...20)
        halves.halves("c", 21, 0...20)
        #expect(halves.all.map(\.field) == ["b", "c"])
    }
}
