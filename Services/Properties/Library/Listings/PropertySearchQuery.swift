import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Turns a `PropertySearch` into one SQL statement: filters the indexes can serve, the caller's
/// visibility, a keyset position, and `limit + 1` rows (the extra one says another page exists).
extension PropertySearch {
    func statement(access: PropertyAccess) -> PostgresQuery {
        var binds = SQLBinds()
        var conditions = ["p.deleted_at IS NULL", access.readableCondition(&binds)]
        if !self.states.isEmpty { conditions.append("p.state = ANY(\(binds.add(self.states))::char(2)[])") }
        if let city = self.city { conditions.append("lower(p.city) = lower(\(binds.add(city)))") }
        if !self.types.isEmpty { conditions.append("p.property_type = ANY(\(binds.add(self.types)))") }
        if !self.classes.isEmpty { conditions.append("p.property_class = ANY(\(binds.add(self.classes)))") }
        if !self.statuses.isEmpty { conditions.append("p.status = ANY(\(binds.add(self.statuses.map(\.rawValue))))") }
        if let open = self.investmentOpen { conditions.append("p.investment_open = \(binds.add(open))") }
        if self.ozOnly { conditions.append("p.in_oz") }
        if let low = self.priceMin { conditions.append("p.purchase_price >= \(binds.add(low))") }
        if let high = self.priceMax { conditions.append("p.purchase_price <= \(binds.add(high))") }
        if let low = self.raiseMin { conditions.append("p.target_raise >= \(binds.add(low))") }
        if let high = self.raiseMax { conditions.append("p.target_raise <= \(binds.add(high))") }
        if let units = self.minUnits { conditions.append("p.total_units >= \(binds.add(units))") }

        var point = "NULL::geography"
        if let near = self.near {
            point = "ST_SetSRID(ST_MakePoint(\(binds.add(near.lng)), \(binds.add(near.lat))), 4326)::geography"
            conditions.append("ST_DWithin(p.location, \(point), \(binds.add(self.radiusKm * 1000)))")
        }
        var rank = "0::real"
        if let query = self.query {
            let text = binds.add(query)
            // Words (stemmed, websearch syntax: "quoted phrases", -excluded) or a name within a
            // typo or two (trigram word similarity, pg_trgm's `<%`, served by the trigram index).
            conditions.append("(p.search_document @@ websearch_to_tsquery('english', \(text)) OR \(text) <% p.property_name)")
            rank = "(ts_rank_cd(p.search_document, websearch_to_tsquery('english', \(text))) + word_similarity(\(text), p.property_name))::real"
        }

        let key: String
        let order: String
        switch self.sort {
        case .newest:
            (key, order) = ("''", "p.id DESC")
            if let cursor = self.cursor { conditions.append("p.id < \(binds.add(cursor.id))") }
        case .oldest:
            (key, order) = ("''", "p.id")
            if let cursor = self.cursor { conditions.append("p.id > \(binds.add(cursor.id))") }
        case .name:
            (key, order) = ("lower(p.property_name)", "lower(p.property_name), p.id")
            if let cursor = self.cursor {
                conditions.append("(lower(p.property_name), p.id) > (\(binds.add(cursor.key)), \(binds.add(cursor.id)))")
            }
        case .distance:
            let distance = "ST_Distance(p.location, \(point))"
            (key, order) = (distance, "\(distance), p.id")
            if let cursor = self.cursor {
                conditions.append("(\(distance), p.id) > (\(binds.add(cursor.key))::float8, \(binds.add(cursor.id)))")
            }
        case .relevance:
            (key, order) = (rank, "\(rank) DESC, p.id DESC")
            if let cursor = self.cursor {
                conditions.append("(\(rank), p.id) < (\(binds.add(cursor.key))::real, \(binds.add(cursor.id)))")
            }
        }
        return binds.query(
            """
            SELECT properties.property_document(p)::text, (\(key))::text FROM properties.properties p
            WHERE \(conditions.joined(separator: "\n  AND "))
            ORDER BY \(order)
            LIMIT \(self.limit + 1)
            """
        )
    }
}

extension PropertyStore {
    func search(_ search: PropertySearch, access: PropertyAccess, logger: Logger) async throws -> Page<Property> {
        let rows = try await self.postgres.query(search.statement(access: access), logger: logger)
        var found: [(Property, String)] = []
        for try await (document, key) in rows.decode((String, String).self) {
            found.append((try Self.decode(document), key))
        }
        let shown = found.prefix(search.limit)
        let next = found.count > search.limit ? shown.last.map { KeysetCursor(sort: search.sort.rawValue, key: $0.1, id: $0.0.id).encoded } : nil
        return Page(data: shown.map(\.0), nextCursor: next)
    }
}
