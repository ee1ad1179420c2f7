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
        var keyset: String?
        switch self.sort {
        case .newest:
            (key, order) = ("''", "p.id DESC")
            if let cursor = self.cursor { keyset = "p.id < \(binds.add(cursor.id))" }
        case .oldest:
            (key, order) = ("''", "p.id")
            if let cursor = self.cursor { keyset = "p.id > \(binds.add(cursor.id))" }
        case .name:
            (key, order) = ("lower(p.property_name)", "lower(p.property_name), p.id")
            if let cursor = self.cursor {
                keyset = "(lower(p.property_name), p.id) > (\(binds.add(cursor.key)), \(binds.add(cursor.id)))"
            }
        case .distance:
            let distance = "ST_Distance(p.location, \(point))"
            (key, order) = (distance, "\(distance), p.id")
            if let cursor = self.cursor {
                keyset = "(\(distance), p.id) > (\(binds.add(cursor.key))::float8, \(binds.add(cursor.id)))"
            }
        case .relevance:
            (key, order) = (rank, "\(rank) DESC, p.id DESC")
            if let cursor = self.cursor {
                keyset = "(\(rank), p.id) < (\(binds.add(cursor.key))::real, \(binds.add(cursor.id)))"
            }
            // Ranking reads every match's search document; a broad word can match a third of the
            // catalogue. So the best matches are chosen among the newest `relevanceCandidates`
            // (found in id order, which the primary key serves), keeping the work bounded.
            return binds.query(
                """
                WITH candidates AS MATERIALIZED (
                    SELECT p.id FROM properties.properties p
                    WHERE \(conditions.joined(separator: "\n  AND "))
                    ORDER BY p.id DESC LIMIT \(Self.relevanceCandidates)
                )
                \(Self.page(
                    from: "candidates JOIN properties.properties p ON p.id = candidates.id", where: keyset.map { [$0] } ?? [],
                    key: key, order: order, limit: self.limit + 1
                ))
                """
            )
        }
        if let keyset { conditions.append(keyset) }
        return binds.query(
            Self.page(from: "properties.properties p", where: conditions, key: key, order: order, limit: self.limit + 1)
        )
    }

    /// The rows of one page, ordered, then their documents: building a document costs more than
    /// finding a row, so only the page's rows get one (joined back by primary key), not every match
    /// the sort looked at.
    static func page(from source: String, where conditions: [String], key: String, order: String, limit: Int) -> String {
        """
        SELECT properties.property_document(p)::text, page.key, p.id
        FROM (
            SELECT p.id, (\(key))::text AS key, row_number() OVER (ORDER BY \(order)) AS position
            FROM \(source)
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: "\n  AND "))
            ORDER BY \(order)
            LIMIT \(limit)
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
        let rows = try await self.postgres.query(search.statement(access: access), logger: logger)
        var documents: [String] = []
        var lastKey = ""
        var lastID: UUID?
        for try await (document, key, id) in rows.decode((String, String, UUID).self) {
            guard documents.count < search.limit else {
                // The extra row only says another page exists.
                let cursor = KeysetCursor(sort: search.sort.rawValue, key: lastKey, id: lastID!)
                return JSONDocument.page(documents, nextCursor: cursor.encoded)
            }
            documents.append(document)
            (lastKey, lastID) = (key, id)
        }
        return JSONDocument.page(documents, nextCursor: nil)
    }
}
