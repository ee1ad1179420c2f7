import Foundation
import Models
import ServiceKit

/// The rules a profile's fields keep, checked whole so a form can mark every bad field at once.
/// Pure: no I/O. Lengths follow seed 001 §2.2's columns (headline, company, position 200; links
/// 200); the same limits are CHECK constraints in 0016_profiles_onboarding.sql.
enum ProfileRules {
    static let riskTolerances: Set = ["conservative", "moderate", "aggressive"]
    static let maximumMarkets = 20

    static func problems(_ fields: ProfileFields) -> [ProblemDetails.FieldError] {
        var errors = FieldErrors()
        errors.slug("slug", fields.slug)
        errors.line("headline", fields.headline, max: 200)
        errors.paragraphs("bio", fields.bio, max: 5000)
        errors.line("company", fields.company, max: 200)
        errors.line("position", fields.position, max: 200)
        errors.line("location_city", fields.locationCity, max: 100)
        errors.line("location_state", fields.locationState, max: 100)
        errors.line("location_country", fields.locationCountry, max: 100)
        errors.ianaTimeZone("timezone", fields.timezone)
        errors.httpsURL("website_url", fields.websiteUrl, max: 200)
        errors.httpsURL("linkedin_url", fields.linkedinUrl, max: 200, hosts: ["linkedin.com"])
        if let types = fields.propertyTypes {
            let known = Set(PropertyType.allCases.map(\.rawValue))
            if let unknown = types.first(where: { !known.contains($0) }) {
                errors.add(
                    "property_types",
                    "has \"\(unknown.prefix(40))\", which is not a property type: \(PropertyType.allCases.map(\.rawValue).joined(separator: ", "))")
            } else if Set(types).count != types.count {
                errors.add("property_types", "lists a property type more than once")
            }
        }
        if let markets = fields.markets {
            if markets.count > Self.maximumMarkets {
                errors.add("markets", "has more than \(Self.maximumMarkets) markets")
            } else if markets.contains(where: { !Self.isLine($0, max: 100) }) {
                errors.add("markets", "must be markets such as \"Austin, TX\": each one line of 1 to 100 characters")
            } else if Set(markets).count != markets.count {
                errors.add("markets", "lists a market more than once")
            }
        }
        if let low = fields.checkSizeMin, let high = fields.checkSizeMax, low > high {
            errors.add("check_size_min", "must not be more than check_size_max (\(high))")
        }
        for (name, amount) in [("check_size_min", fields.checkSizeMin), ("check_size_max", fields.checkSizeMax)] {
            if let amount, amount < .zero { errors.add(name, "must be 0 or more") }
        }
        errors.oneOf("risk_tolerance", fields.riskTolerance, Self.riskTolerances)
        for (group, level) in fields.visibility.sorted(by: { $0.key < $1.key }) {
            if ProfileVisibility.groups[group] == nil {
                errors.add(
                    "visibility.\(group.prefix(40))", "is not a field group: \(ProfileVisibility.groups.keys.sorted().joined(separator: ", "))")
            } else if ProfileVisibility.Level(rawValue: level) == nil {
                errors.add("visibility.\(group)", "must be private, signed_in or public")
            }
        }
        return errors.all
    }

    /// Text on one line: not blank (send `null` to clear a field), at most `max` characters, no
    /// control characters or line breaks.
    static func isLine(_ text: String, max: Int) -> Bool {
        !text.trimmingCharacters(in: .whitespaces).isEmpty && text.count <= max && !text.unicodeScalars.contains(where: \.breaksALine)
    }

    /// The IANA zone names this system's tz database knows, and `UTC`, every account's default.
    static let timeZones: Set<String> = Set(TimeZone.knownTimeZoneIdentifiers).union(["UTC"])
}

extension FieldErrors {
    mutating func line(_ field: String, _ value: String?, max: Int) {
        guard let value else { return }
        if value.trimmingCharacters(in: .whitespaces).isEmpty {
            self.add(field, "must not be blank; send null to clear it")
        } else if value.unicodeScalars.count > max {
            self.add(field, "must be at most \(max) characters")
        } else if value.unicodeScalars.contains(where: \.breaksALine) {
            self.add(field, "must be one line, without control characters")
        }
    }

    /// Text that may run over several lines (a bio): tabs and line breaks pass, other control
    /// characters do not.
    mutating func paragraphs(_ field: String, _ value: String?, max: Int) {
        guard let value else { return }
        if value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            self.add(field, "must not be blank; send null to clear it")
        } else if value.unicodeScalars.count > max {
            self.add(field, "must be at most \(max) characters")
        } else if value.unicodeScalars.contains(where: { $0.breaksALine && !["\n", "\r", "\t"].contains($0) }) {
            self.add(field, "must not contain control characters other than line breaks and tabs")
        }
    }

    /// 3 to 40 of a-z, 0-9 and single hyphens between them, and not shaped like a UUID, so
    /// `/v1/auth/profiles/{user_id_or_slug}` always knows which it was given.
    mutating func slug(_ field: String, _ value: String?) {
        guard let value else { return }
        if !(3...40).contains(value.count) || value.wholeMatch(of: /[a-z0-9]+(-[a-z0-9]+)*/) == nil {
            self.add(field, "must be 3 to 40 of a-z and 0-9, in words joined by single hyphens (\"jane-doe-capital\")")
        } else if UUID(uuidString: value) != nil {
            self.add(field, "must not be a UUID")
        }
    }

    mutating func ianaTimeZone(_ field: String, _ value: String?) {
        guard let value, !ProfileRules.timeZones.contains(value) else { return }
        self.add(field, "must be an IANA time zone such as America/New_York")
    }

    /// A link others open from the profile page: https only (no `javascript:`, `data:` or plain
    /// http), a real host, no user name or password in it; `hosts` limits it to those sites and
    /// their subdomains.
    mutating func httpsURL(_ field: String, _ value: String?, max: Int, hosts: [String]? = nil) {
        guard let value else { return }
        guard value.count <= max, !value.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.breaksALine }),
            let url = URLComponents(string: value), url.scheme?.lowercased() == "https", let host = url.host?.lowercased(),
            host.contains("."), url.user == nil, url.password == nil
        else {
            self.add(field, "must be an https URL of at most \(max) characters")
            return
        }
        if let hosts, !hosts.contains(where: { host == $0 || host.hasSuffix("." + $0) }) {
            self.add(field, "must be a link to \(hosts.joined(separator: " or "))")
        }
    }
}
