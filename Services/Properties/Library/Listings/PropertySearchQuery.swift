import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Turns a `PropertySearch` into one SQL statement: filters the indexes can serve, the caller's
/// visibility, and one page in the sort's order (the kit's pager: `Keyset` per sort, `fetchLimit`
/// rows, the extra one saying another page exists).
extension PropertySearch {
    func statement(access: PropertyAccess) -> (query: PostgresQuery, page: PageRequest) {
        var binds = SQLBinds()
        var conditions = ["x.deleted_at IS NULL", access.readableCondition(&binds)]
        if !self.states.isEmpty { conditions.append("x.state = ANY(\(binds.add(self.states))::char(2)[])") }
        if let city = self.city { conditions.append("lower(x.city) = lower(\(binds.add(city)))") }
        if !self.types.isEmpty { conditions.append("x.property_type = ANY(\(binds.add(self.types)))") }
        if !self.classes.isEmpty { conditions.append("x.property_class = ANY(\(binds.add(self.classes)))") }
        if !self.statuses.isEmpty { conditions.append("x.status = ANY(\(binds.add(self.statuses.map(\.rawValue))))") }
        if let open = self.investmentOpen { conditions.append("x.investment_open = \(binds.add(open))") }
        if self.ozOnly { conditions.append("x.in_oz") }
        if let low = self.priceMin { conditions.append("x.purchase_price >= \(binds.add(low))") }
        if let high = self.priceMax { conditions.append("x.purchase_price <= \(binds.add(high))") }
        if let low = self.raiseMin { conditions.append("x.target_raise >= \(binds.add(low))") }
        if let high = self.raiseMax { conditions.append("x.target_raise <= \(binds.add(high))") }
        if let units = self.minUnits { conditions.append("x.total_units >= \(binds.add(units))") }

        var point = "NULL::geography"
        if let near = self.near {
            point = "ST_SetSRID(ST_MakePoint(\(binds.add(near.lng)), \(binds.add(near.lat))), 4326)::geography"
            conditions.append("ST_DWithin(x.location, \(point), \(binds.add(self.radiusKm * 1000)))")
        }
        var rank = "0::real"
        if let query = self.query {
            let text = binds.add(query)
            // Words (stemmed, websearch syntax: "quoted phrases", -excluded) or a name within a
            // typo or two (trigram word similarity, pg_trgm's `<%`, served by the trigram index).
            conditions.append("(x.search_document @@ websearch_to_tsquery('english', \(text)) OR \(text) <% x.property_name)")
            rank = "(ts_rank_cd(x.search_document, websearch_to_tsquery('english', \(text))) + word_similarity(\(text), x.property_name))::real"
        }

        var page = self.page
        page.order = self.sort.keyset(distance: "ST_Distance(x.location, \(point))", rank: rank)
        let after = page.after(&binds)
        guard self.sort == .relevance else {
            return (binds.query(Self.page(from: "properties.properties x", where: conditions + [after], page)), page)
        }
        // Ranking reads every match's search document; a broad word can match a third of the
        // catalogue. So the best matches are chosen among the newest `relevanceCandidates`
        // (found in id order, which the primary key serves), keeping the work bounded.
        let sql = """
            WITH candidates AS MATERIALIZED (
                SELECT x.id FROM properties.properties x
                WHERE \(conditions.joined(separator: "\n  AND "))
                ORDER BY x.id DESC LIMIT \(Self.relevanceCandidates)
            )
            \(Self.page(from: "candidates JOIN properties.properties x ON x.id = candidates.id", where: [after], page))
            """
        return (binds.query(sql), page)
    }

    /// The rows of one page, ordered, then their documents: building a document costs more than
    /// finding a row, so only the page's rows get one (joined back by primary key), not every match
    /// the sort looked at.
    static func page(from source: String, where conditions: [String], _ page: PageRequest) -> String {
        """
        SELECT properties.property_document(p)::text, page.key, p.id
        FROM (
            SELECT x.id, \(page.selectKey) AS key, row_number() OVER (ORDER BY \(page.orderBy)) AS position
            FROM \(source)
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: "\n  AND "))
            ORDER BY \(page.orderBy)
            LIMIT \(page.fetchLimit)
        ) AS page
        JOIN properties.properties p ON p.id = page.id
        ORDER BY page.position
        """
    }

    /// How many of the newest matches relevance ranking considers.
    static let relevanceCandidates = 2_000
}

extension PropertyStore {
    /// A page of listings as the JSON Postgres built, passed through.
    func search(_ search: PropertySearch, access: PropertyAccess, logger: Logger) async throws -> JSONDocument {
        let (query, page) = search.statement(access: access)
        return try await self.postgres.documentPage(query, page, logger: logger)
    }
}
