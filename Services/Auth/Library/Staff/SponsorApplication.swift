import Foundation
import Hummingbird
import Models
import ServiceKit

/// `POST /v1/auth/sponsor-applications`: the company a developer would list projects for.
struct SponsorApplicationRequest: Decodable, Sendable {
    var legalName: String
    var website: String?
    var taxId: String
    /// The applicant's role at the company ("Managing partner").
    var title: String
    var description: String
    var projectCount: Int
    var markets: [String]?

    /// Every invalid field at once; the tax id comes back in its one stored spelling.
    func checked() throws -> SponsorApplicationRequest {
        var errors = FieldErrors()
        errors.text("legal_name", self.legalName, max: 200, required: true)
        errors.text("title", self.title, max: 100, required: true)
        errors.text("description", self.description, max: 5000, required: true, multiline: true)
        errors.range("project_count", self.projectCount, 0...10000)
        errors.list("markets", self.markets)
        if let markets = self.markets, markets.count > 50 { errors.add("markets", "must be at most 50 entries") }
        if let website = self.website, !website.isEmpty {
            let url = URL(string: website)
            if website.count > 2048 || !["https", "http"].contains(url?.scheme ?? "") || url?.host == nil {
                errors.add("website", "must be an http or https URL")
            }
        }
        let taxID = EmployerIdentificationNumber.normalize(self.taxId)
        if taxID == nil { errors.add("tax_id", "must be an EIN: nine digits NN-NNNNNNN with a prefix the IRS assigns") }
        try errors.check()
        var checked = self
        checked.taxId = taxID ?? self.taxId
        checked.website = self.website.flatMap { $0.isEmpty ? nil : $0 }
        checked.markets = self.markets ?? []
        return checked
    }
}

/// An Employer Identification Number, checked by format only (nobody's number is looked up).
enum EmployerIdentificationNumber {
    /// IRS, "How EINs are assigned and valid EIN prefixes": the two-digit prefixes the campuses and
    /// the internet assign. 00, 07–09, 17–19, 28, 29, 49, 69, 70, 78, 79, 89, 96 and 97 are never issued.
    static let assignedPrefixes: Set<Int> = Set(
        Array(1...6) + Array(10...16) + Array(20...27) + Array(30...48) + Array(50...68) + Array(71...77) + Array(80...88)
            + Array(90...95) + [98, 99])

    /// `NN-NNNNNNN` from that spelling or nine bare digits; nil for anything else.
    static func normalize(_ text: String) -> String? {
        let digits: Substring
        if text.wholeMatch(of: /[0-9]{2}-[0-9]{7}/) != nil {
            digits = Substring(text.replacingOccurrences(of: "-", with: ""))
        } else if text.wholeMatch(of: /[0-9]{9}/) != nil {
            digits = Substring(text)
        } else {
            return nil
        }
        guard let prefix = Int(digits.prefix(2)), Self.assignedPrefixes.contains(prefix) else { return nil }
        return "\(digits.prefix(2))-\(digits.dropFirst(2))"
    }
}

/// A decision's body: `POST …/{id}/reject`.
struct RejectionRequest: Decodable, Sendable {
    var reason: String

    func checked() throws -> String {
        var errors = FieldErrors()
        errors.text("reason", self.reason, max: 2000, required: true, multiline: true)
        try errors.check()
        return self.reason.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// An application as its applicant and staff see it.
struct SponsorApplicationView: Codable, ResponseEncodable, Sendable {
    var id: UUID
    var userId: UUID
    var status: String
    var legalName: String
    var website: String?
    var taxId: String
    var title: String
    var description: String
    var projectCount: Int
    var markets: [String]
    var rejectionReason: String?
    var decidedAt: Date?
    var createdAt: Date
}
