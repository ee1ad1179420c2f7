import Foundation
import Models
import ServiceKit

/// The segment rule language (README "Segments"): JSON over signed-in users' event history and
/// their `user_interests` flags, e.g. "used the tax calculator with a gain over $500k, viewed at
/// least 3 listings in 30 days, has not invested":
///
///     {"all": [
///         {"event": "tax_calculator.used", "where": {"capital_gain": {"gt": 500000}}},
///         {"event": "listing_viewed", "count": {"gte": 3}, "within_days": 30},
///         {"not": {"event": "investment.committed"}}
///     ]}
///
/// - `all` / `any`: 1–20 rules; `not`: one rule. At most 8 levels deep and 50 conditions.
/// - An event condition: `event` (a name), `count` (`gte` or `lte` N; default at least once),
///   `within_days` (1–3650, counted back from the refresh), `where` (property → one comparison of
///   `eq`, `ne`, `gt`, `gte`, `lt`, `lte` against a number, a string or a boolean; numbers compare
///   numerically, also with numeric strings such as money `"500000.00"`; a property that is not a
///   number never passes a numeric comparison).
/// - An interest condition: `interest` (`needs_team_contact`, `community_member`,
///   `viewed_listings`, `dashboard_accessed`) and `is` (default true).
/// Errors name the JSON path of the bad part (`rules.all[1].count.gte`).
indirect enum SegmentRule: Equatable, Sendable {
    case all([SegmentRule])
    case any([SegmentRule])
    case not(SegmentRule)
    case event(EventCondition)
    case interest(String, Bool)

    struct EventCondition: Equatable, Sendable {
        var name: String
        var atLeast: Int?
        var atMost: Int?
        var withinDays: Int?
        var comparisons: [Comparison]
    }

    struct Comparison: Equatable, Sendable {
        var property: String
        var op: String
        var value: JSONValue
    }

    static let interests: Set = ["needs_team_contact", "community_member", "viewed_listings", "dashboard_accessed"]
    static let operators: [String: String] = ["eq": "=", "ne": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="]
    static let maximumDepth = 8
    static let maximumConditions = 50

    /// Parses `json` (found at `path`), noting every problem.
    static func parse(_ json: JSONValue, at path: String, errors: inout FieldErrors) -> SegmentRule? {
        var conditions = 0
        return parse(json, at: path, depth: 1, conditions: &conditions, errors: &errors)
    }

    private static func parse(_ json: JSONValue, at path: String, depth: Int, conditions: inout Int, errors: inout FieldErrors) -> SegmentRule? {
        guard case .object(let fields) = json else {
            errors.add(path, "must be an object: all, any, not, event or interest")
            return nil
        }
        guard depth <= maximumDepth else {
            errors.add(path, "rules nest at most \(maximumDepth) levels")
            return nil
        }
        func unknown(_ allowed: Set<String>) {
            for key in fields.keys.sorted() where !allowed.contains(key) { errors.add("\(path).\(key)", "is not part of this rule") }
        }
        if let list = fields["all"] ?? fields["any"] {
            let key = fields["all"] != nil ? "all" : "any"
            unknown([key])
            guard case .array(let items) = list, (1...20).contains(items.count) else {
                errors.add("\(path).\(key)", "must be a list of 1 to 20 rules")
                return nil
            }
            let rules = items.enumerated().compactMap { index, item in
                parse(item, at: "\(path).\(key)[\(index)]", depth: depth + 1, conditions: &conditions, errors: &errors)
            }
            guard rules.count == items.count else { return nil }
            return key == "all" ? .all(rules) : .any(rules)
        }
        if let inner = fields["not"] {
            unknown(["not"])
            return parse(inner, at: "\(path).not", depth: depth + 1, conditions: &conditions, errors: &errors).map { .not($0) }
        }
        conditions += 1
        if conditions == maximumConditions + 1 { errors.add(path, "a segment has at most \(maximumConditions) conditions") }
        if let interest = fields["interest"] {
            unknown(["interest", "is"])
            guard case .string(let flag) = interest, Self.interests.contains(flag) else {
                errors.add("\(path).interest", "must be one of \(Self.interests.sorted().joined(separator: ", "))")
                return nil
            }
            var value = true
            if let given = fields["is"] {
                guard case .bool(let flag) = given else {
                    errors.add("\(path).is", "must be true or false")
                    return nil
                }
                value = flag
            }
            return .interest(flag, value)
        }
        guard let event = fields["event"] else {
            errors.add(path, "must have one of all, any, not, event or interest")
            return nil
        }
        unknown(["event", "count", "within_days", "where"])
        let before = errors.all.count
        var condition = EventCondition(name: "", comparisons: [])
        if case .string(let name) = event, EventNameRules.isEventName(name) {
            condition.name = name
        } else {
            errors.add("\(path).event", "must be an event name (listing_viewed, investment.funded)")
        }
        if let count = fields["count"] {
            if case .object(let bounds) = count, !bounds.isEmpty, bounds.keys.allSatisfy({ $0 == "gte" || $0 == "lte" }) {
                for (key, value) in bounds {
                    guard let number = Self.integer(value), (0...100_000).contains(number) else {
                        errors.add("\(path).count.\(key)", "must be a whole number from 0 to 100000")
                        continue
                    }
                    if key == "gte" { condition.atLeast = number } else { condition.atMost = number }
                }
            } else {
                errors.add("\(path).count", "must be {\"gte\": n}, {\"lte\": n} or both")
            }
        }
        if let days = fields["within_days"] {
            if let number = Self.integer(days), (1...3650).contains(number) {
                condition.withinDays = number
            } else {
                errors.add("\(path).within_days", "must be a whole number of days from 1 to 3650")
            }
        }
        if let conditionsJSON = fields["where"] {
            if case .object(let properties) = conditionsJSON, (1...10).contains(properties.count) {
                for (property, test) in properties.sorted(by: { $0.key < $1.key }) {
                    let at = "\(path).where.\(property)"
                    guard EventNameRules.isPropertyKey(property) else {
                        errors.add(at, "is not a property name (letters, digits, _ and -)")
                        continue
                    }
                    guard case .object(let ops) = test, ops.count == 1, let (op, value) = ops.first, Self.operators[op] != nil else {
                        errors.add(at, "must be one comparison: {\"eq\"|\"ne\"|\"gt\"|\"gte\"|\"lt\"|\"lte\": value}")
                        continue
                    }
                    switch value {
                    case .number: break
                    case .string(let text) where text.count <= 500 && ["eq", "ne"].contains(op): break
                    case .bool where ["eq", "ne"].contains(op): break
                    default:
                        errors.add("\(at).\(op)", "must be a number (or, for eq and ne, a string of at most 500 characters or a boolean)")
                        continue
                    }
                    condition.comparisons.append(Comparison(property: property, op: op, value: value))
                }
            } else {
                errors.add("\(path).where", "must map 1 to 10 property names to comparisons")
            }
        }
        return errors.all.count == before ? .event(condition) : nil
    }

    private static func integer(_ value: JSONValue) -> Int? {
        guard case .number(let number) = value, number == number.rounded(), abs(number) < 1e9 else { return nil }
        return Int(number)
    }

    /// The rule as a SQL condition on the user `u.user_id`; every value and name is a bind.
    func condition(_ binds: inout SQLBinds, now: Date) -> String {
        switch self {
        case .all(let rules): return "(" + rules.map { $0.condition(&binds, now: now) }.joined(separator: " AND ") + ")"
        case .any(let rules): return "(" + rules.map { $0.condition(&binds, now: now) }.joined(separator: " OR ") + ")"
        case .not(let rule): return "NOT " + rule.condition(&binds, now: now)
        case .interest(let flag, let value):
            // The flag's name is checked against `interests`; the column is picked from a literal list.
            let column = ["needs_team_contact", "community_member", "viewed_listings", "dashboard_accessed"].first { $0 == flag }!
            return "coalesce((SELECT i.\(column) FROM analytics.user_interests i WHERE i.user_id = u.user_id), false) = \(binds.add(value))"
        case .event(let condition):
            var filters = ["e.user_id = u.user_id", "e.name = \(binds.add(condition.name))"]
            if let days = condition.withinDays {
                filters.append("e.occurred_at >= \(binds.add(now.addingTimeInterval(-Double(days) * ReportDays.secondsPerDay)))")
            }
            for comparison in condition.comparisons {
                let key = binds.add(comparison.property)
                let op = Self.operators[comparison.op]!
                switch comparison.value {
                case .number(let number):
                    filters.append(
                        "(CASE WHEN e.properties ->> \(key) ~ '^-?[0-9]+(\\.[0-9]+)?$' THEN (e.properties ->> \(key))::numeric END) \(op) \(binds.add(String(number)))::numeric"
                    )
                case .bool(let flag):
                    filters.append("e.properties ->> \(key) \(op) \(binds.add(flag ? "true" : "false"))")
                case .string(let text):
                    filters.append("e.properties ->> \(key) \(op) \(binds.add(text))")
                default: break
                }
            }
            let events = "FROM analytics.events e WHERE " + filters.joined(separator: " AND ")
            switch (condition.atLeast, condition.atMost) {
            case (nil, nil), (1?, nil): return "EXISTS (SELECT 1 \(events))"
            case (0?, nil): return "TRUE"
            case (let least?, nil): return "(SELECT count(*) FROM (SELECT 1 \(events) LIMIT \(binds.add(least))) c) >= \(binds.add(least))"
            case (let least, let most?):
                let bound = "(SELECT count(*) FROM (SELECT 1 \(events) LIMIT \(binds.add(most + 1))) c)"
                return least.map { "(\(bound) BETWEEN \(binds.add($0)) AND \(binds.add(most)))" } ?? "\(bound) <= \(binds.add(most))"
            }
        }
    }
}
