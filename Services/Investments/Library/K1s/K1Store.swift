import Crypto
import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// `investments.k1_documents`: delivering K-1s (one or a ZIP's worth, each sealed, each investor
/// told through `k1.delivered` in the same transaction), corrections superseding what they
/// replace, the lists each side sees, and downloads with the investor's first one recorded.
struct K1Store: Sendable {
    let postgres: PostgresClient
    let outbox: OutboxPublisher
    let box: K1Box
    let ids: IDGenerator

    /// A file to deliver to one investor.
    struct Delivery: Sendable {
        var investorId: UUID
        var fileName: String
        var contents: [UInt8]
    }

    struct Delivered: Codable, Sendable, Equatable {
        var fileName: String
        var investorId: UUID
        var k1Id: UUID
        var corrected: Bool

        enum CodingKeys: String, CodingKey { case fileName, investorId, k1Id, corrected }

        /// Ids in lowercase, as every document Postgres builds writes them.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.fileName, forKey: .fileName)
            try container.encode(self.investorId.uuidString.lowercased(), forKey: .investorId)
            try container.encode(self.k1Id.uuidString.lowercased(), forKey: .k1Id)
            try container.encode(self.corrected, forKey: .corrected)
        }
    }

    /// The offering's name when `identity` manages it: 404 when they cannot see it (drafts are
    /// their sponsor's), 403 when they can but do not manage it.
    func managedOffering(_ id: UUID, by identity: Identity, on connection: PostgresConnection, lock: Bool = true, logger: Logger) async throws
        -> String
    {
        guard let offering = try await OfferingStore.find(id, on: connection, lock: lock, logger: logger), offering.isVisible(to: identity) else {
            throw Problem.notFound("No offering has this id.")
        }
        guard offering.canManage(identity) else { throw Problem.forbidden("Only the offering's sponsor or an admin delivers its K-1s.") }
        return offering.terms.name
    }

    /// Refuses, before an upload is read or checked, a caller who may not deliver the offering's
    /// K-1s, so someone else's offering answers 404 or 403 whatever the request holds. `deliver`
    /// checks again under the offering's lock.
    func authorizeDelivery(offering: UUID, by identity: Identity, logger: Logger) async throws {
        _ = try identity.requireUser("K-1s are delivered by a signed-in sponsor or admin.")
        _ = try await self.postgres.withConnection { connection in
            try await self.managedOffering(offering, by: identity, on: connection, lock: false, logger: logger)
        }
    }

    /// Who a K-1 may go to: investors with a funded or exited position in the offering.
    func investors(of offering: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Set<UUID> {
        let rows = try await connection.query(
            """
            SELECT DISTINCT investor_id FROM investments.investments
            WHERE offering_id = \(offering) AND status IN ('funded', 'exited')
            """,
            logger: logger
        )
        var investors: Set<UUID> = []
        for try await investor in rows.decode(UUID.self) { investors.insert(investor) }
        return investors
    }

    /// Delivers every file in one transaction, after `check` (run under the offering's lock, with
    /// its investors) has chosen them: each supersedes the investor's current K-1 for the year.
    func deliver(
        offering: UUID, taxYear: Int, by identity: Identity, logger: Logger,
        choose: @Sendable (_ investors: Set<UUID>) throws -> [Delivery]
    ) async throws -> [Delivered] {
        let uploader = try identity.requireUser("K-1s are delivered by a signed-in sponsor or admin.")
        return try await self.postgres.transaction(logger: logger) { connection in
            // The offering's row lock orders deliveries: two corrections of one K-1 cannot both become current.
            let name = try await self.managedOffering(offering, by: identity, on: connection, logger: logger)
            let deliveries = try choose(try await self.investors(of: offering, on: connection, logger: logger))
            var delivered: [Delivered] = []
            for delivery in deliveries {
                let id = self.ids.next()
                let sealed = try await self.box.seal(delivery.contents, id: id, logger: logger)
                let digest = SHA256.hash(data: delivery.contents).hexString
                // The superseded row points at the new one before it exists: the foreign key is
                // checked at commit (DEFERRABLE), the one-current index at once.
                let replaced = try await connection.query(
                    """
                    UPDATE investments.k1_documents SET superseded_by = \(id), superseded_at = now()
                    WHERE offering_id = \(offering) AND investor_id = \(delivery.investorId) AND tax_year = \(taxYear)
                      AND superseded_by IS NULL
                    RETURNING id
                    """,
                    logger: logger
                )
                var corrected = false
                for try await _ in replaced.decode(UUID.self) { corrected = true }
                try await connection.query(
                    """
                    INSERT INTO investments.k1_documents
                        (id, offering_id, investor_id, tax_year, file_name, size_bytes, sha256, sealed, corrected, uploaded_by)
                    VALUES (\(id), \(offering), \(delivery.investorId), \(taxYear), \(delivery.fileName), \(delivery.contents.count),
                            \(digest), \(ByteBuffer(bytes: sealed)), \(corrected), \(uploader))
                    """,
                    logger: logger
                )
                try await self.outbox.publish(
                    K1Delivered(
                        k1Id: id, offeringId: offering, offeringName: name, investorId: delivery.investorId, taxYear: taxYear,
                        corrected: corrected),
                    on: connection, logger: logger
                )
                delivered.append(Delivered(fileName: delivery.fileName, investorId: delivery.investorId, k1Id: id, corrected: corrected))
            }
            return delivered
        }
    }

    static let order = Keyset("newest", key: "x.id", type: "uuid", descending: true)

    /// The offering's K-1s, every version, newest first; `taxYear` narrows to one year.
    func list(offering: UUID, taxYear: Int?, by identity: Identity, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        try await self.postgres.withConnection { connection in
            guard let found = try await OfferingStore.find(offering, on: connection, lock: false, logger: logger),
                found.isVisible(to: identity)
            else { throw Problem.notFound("No offering has this id.") }
            guard found.canManage(identity) else { throw Problem.forbidden("Only the offering's sponsor or an admin sees all its K-1s.") }
            var binds = SQLBinds()
            var conditions = ["x.offering_id = \(binds.add(offering))"]
            if let taxYear { conditions.append("x.tax_year = \(binds.add(taxYear))") }
            conditions.append(page.after(&binds))
            return try await connection.documentPage(binds.query(Self.listing(conditions, page)), page, logger: logger)
        }
    }

    /// The investor's own K-1s across offerings, every version, newest first.
    func list(investor: UUID, taxYear: Int?, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        var binds = SQLBinds()
        var conditions = ["x.investor_id = \(binds.add(investor))"]
        if let taxYear { conditions.append("x.tax_year = \(binds.add(taxYear))") }
        conditions.append(page.after(&binds))
        return try await self.postgres.documentPage(binds.query(Self.listing(conditions, page)), page, logger: logger)
    }

    private static func listing(_ conditions: [String], _ page: PageRequest) -> String {
        """
        SELECT investments.k1_document(x, o.name)::text, \(page.selectKey), x.id
        FROM investments.k1_documents x JOIN investments.offerings o ON o.id = x.offering_id
        WHERE \(conditions.joined(separator: " AND "))
        ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
        """
    }

    /// A K-1 its investor, the offering's sponsor or an admin may see; 404 for anyone else.
    func find(_ id: UUID, by identity: Identity, logger: Logger) async throws -> String {
        try await self.postgres.withConnection { connection in
            try await self.visible(id, to: identity, on: connection, logger: logger).document
        }
    }

    /// The file, opened; the investor's own download is counted (the first one's time kept).
    func download(_ id: UUID, by identity: Identity, logger: Logger) async throws -> (fileName: String, contents: [UInt8]) {
        try await self.postgres.transaction(logger: logger) { connection in
            let found = try await self.visible(id, to: identity, on: connection, logger: logger)
            if found.investor == identity.userID {
                try await connection.query(
                    """
                    UPDATE investments.k1_documents
                    SET first_downloaded_at = coalesce(first_downloaded_at, now()), download_count = download_count + 1
                    WHERE id = \(id)
                    """,
                    logger: logger
                )
            }
            return (found.fileName, try await self.box.open(found.sealed, id: id, logger: logger))
        }
    }

    private func visible(_ id: UUID, to identity: Identity, on connection: PostgresConnection, logger: Logger) async throws
        -> (document: String, investor: UUID, fileName: String, sealed: [UInt8])
    {
        let rows = try await connection.query(
            """
            SELECT investments.k1_document(k, o.name)::text, k.investor_id, o.sponsor_id, k.file_name, k.sealed
            FROM investments.k1_documents k JOIN investments.offerings o ON o.id = k.offering_id
            WHERE k.id = \(id)
            """,
            logger: logger
        )
        for try await (document, investor, sponsor, fileName, sealed) in rows.decode((String, UUID, UUID, String, ByteBuffer).self) {
            let allowed =
                identity.userID == investor || identity.has(role: .admin)
                || (identity.has(role: .sponsor) && identity.userID == sponsor)
            guard allowed else { break }
            return (document, investor, fileName, Array(buffer: sealed))
        }
        throw Problem.notFound("No K-1 of yours has this id.")
    }
}
