import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Turns a `PropertySearch` into one SQL statement: filters the indexes can serve, the caller's
/// visibility, and one page in the sort's order (the kit's pager: `Keyset` per sort, `fetchLimit`
/// rows, the extra one saying another page exists).
extension PropertySearch {
    /// `nameWords`: for relevance, the name words close to the query's words (`nameWordsQuery`),
    /// as a `to_tsquery` text; nil when there are none or the sort is another.
    func statement(access: PropertyAccess, nameWords: String? = nil) -> (query: PostgresQuery, page: PageRequest) {
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
        var text: String?
        if let query = self.query {
            let bound = binds.add(query)
            text = bound
            rank = "(ts_rank_cd(x.search_document, websearch_to_tsquery('english', \(bound))) + word_similarity(\(bound), x.property_name))::real"
        }

        var page = self.page
        page.order = self.sort.keyset(distance: "ST_Distance(x.location, \(point))", rank: rank)
        let after = page.after(&binds)
        guard self.sort == .relevance, let text else {
            // Words (stemmed, websearch syntax: "quoted phrases", -excluded) or a name within a
            // typo or two (trigram word similarity, pg_trgm's `<%`).
            let matches = text.map { ["(x.search_document @@ websearch_to_tsquery('english', \($0)) OR \($0) <% x.property_name)"] } ?? []
            return (binds.query(Self.page(from: "properties.properties x", where: conditions + matches + [after], page)), page)
        }
        // Ranking reads each candidate's document and name, and a broad word matches a third of
        // the catalogue; so the best matches are chosen among two bounded candidate sets, each
        // found by an index and a LIMIT, never by comparing the query with every listing:
        // the newest `relevanceCandidates` word matches (the full-text index, or the primary key
        // for a common word), and, when a word is misspelt, the newest `nameCandidates` listings
        // whose names carry the name words closest to the query's (`nameWords`, from
        // `properties.name_words`), kept when their name is within a typo of the query as `<%` has it.
        let filters = conditions.joined(separator: "\n      AND ")
        var tiers = [
            """
            (SELECT x.id FROM properties.properties x
                WHERE \(filters)
                  AND x.search_document @@ websearch_to_tsquery('english', \(text))
                ORDER BY x.id DESC LIMIT \(Self.relevanceCandidates))
            """
        ]
        if let nameWords {
            tiers.append(
                """
                (SELECT named.id FROM (
                    SELECT x.id, x.property_name FROM properties.properties x
                    WHERE \(filters)
                      AND x.search_document @@ to_tsquery('english', \(binds.add(nameWords)))
                    ORDER BY x.id DESC LIMIT \(Self.nameCandidates)
                ) AS named WHERE \(text) <% named.property_name)
                """)
        }
        let sql = """
            WITH candidates AS MATERIALIZED (
            \(tiers.joined(separator: "\nUNION\n"))
            )
            \(Self.page(from: "candidates JOIN properties.properties x ON x.id = candidates.id", where: [after], page))
            """
        return (binds.query(sql), page)
    }

    /// The name words within a typo of each word of `query` (pg_trgm's `<%`, over the few thousand
    /// distinct words of listing names behind their trigram index), as a `to_tsquery` text that asks
    /// for them in a name: `('magnolia':A) & ('court':A)`. Words close to no name word drop out. No
    /// row when no word is misspelt (each is a name word itself, or close to none): the full-text
    /// match already finds those names.
    static func nameWordsQuery(_ query: String) -> PostgresQuery {
        """
        SELECT string_agg('(' || alternatives || ')', ' & ' ORDER BY ordinal) FROM (
            SELECT asked.ordinal, string_agg(quote_literal(known.word) || ':A', ' | ') AS alternatives,
                   bool_and(known.word <> asked.word) AS misspelt
            FROM regexp_split_to_table(lower(\(query)), '[^[:alnum:]]+') WITH ORDINALITY AS asked(word, ordinal)
            JOIN properties.name_words known ON asked.word <% known.word
            WHERE asked.word <> ''
            GROUP BY asked.ordinal
        ) AS close_words
        HAVING bool_or(misspelt)
        """
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

    /// How many of the newest word matches relevance ranking considers.
    static let relevanceCandidates = 500
    /// How many of the newest listings named with words close to the query's it considers.
    static let nameCandidates = 100
}

extension PropertyStore {
    /// A page of listings as the JSON Postgres built, passed through.
    func search(_ search: PropertySearch, access: PropertyAccess, logger: Logger) async throws -> JSONDocument {
        guard search.sort == .relevance, let text = search.query else {
            let (query, page) = search.statement(access: access)
            return try await self.postgres.documentPage(query, page, logger: logger)
        }
        // Two statements on one connection: the name words are bound as a value, so the planner
        // sees how common they are and picks the full-text index or the primary key for them.
        return try await self.postgres.withConnection { connection in
            var nameWords: String?
            for try await words in try await connection.query(PropertySearch.nameWordsQuery(text), logger: logger).decode(String?.self) {
                nameWords = words
            }
            let (query, page) = search.statement(access: access, nameWords: nameWords)
            return try await connection.documentPage(query, page, logger: logger)
        }
    }
}
