import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import NIOCore
import ServiceKit
import Synchronization

/// Schedule K-1s (issue 22; seed 001 `property_investments.k1_documents`). Per offering and tax
/// year the sponsor uploads one K-1 per investor, or a ZIP of them matched by the investor id in
/// each file's name, with a report of what did not match; investors are told (`k1.delivered`) and
/// download their own; delivery and the first download are recorded; a corrected K-1 supersedes
/// the earlier one, which stays listed and marked.
struct K1Controller: Sendable {
    let store: K1Store
    let clock: ServiceClock

    /// Mounted at `/v1/offerings/:id/k1s`: the sponsor's side.
    var offeringEndpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post(use: self.uploadOne).get(use: self.listForOffering)
            .post("bulk", use: self.uploadArchive)
    }

    /// Mounted at `/v1/k1s`: each K-1 to whoever may see it, the investor's own list.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.listOwn)
            .get(":k1_id", use: self.show)
            .get(":k1_id/file", use: self.file)
    }

    /// `POST /v1/offerings/{id}/k1s?tax_year=2025&investor_id=…`, the PDF as the body.
    @Sendable func uploadOne(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let offering = try OfferingController.id(context)
        try await self.store.authorizeDelivery(offering: offering, by: context.identity, logger: context.logger)
        let query = request.uri.queryParameters
        let taxYear = try self.taxYear(query, required: true)!
        var errors = FieldErrors()
        let investor = query["investor_id"].flatMap { UUID(uuidString: String($0)) }
        if investor == nil { errors.add("investor_id", "is required: the id of an investor in this offering") }
        let fileName = query["file_name"].map { K1File.displayName(String($0)) } ?? "K-1 \(taxYear).pdf"
        try errors.check()
        let contents = try await Self.body(request, limit: K1File.maxBytes, what: "A K-1")
        guard K1File.isPDF(contents) else {
            throw Problem(.unsupportedMediaType, detail: "A K-1 is uploaded as a PDF (the body must start with %PDF-).")
        }
        let delivered = try await self.store.deliver(offering: offering, taxYear: taxYear, by: context.identity, logger: context.logger) {
            investors in
            guard let investor, investors.contains(investor) else {
                throw Problem.validation(field: "investor_id", "holds no funded position in this offering")
            }
            return [K1Store.Delivery(investorId: investor, fileName: fileName, contents: contents)]
        }
        let id = delivered[0].k1Id
        let document = try await self.store.find(id, by: context.identity, logger: context.logger)
        var headers = HTTPFields()
        headers[.location] = "/v1/k1s/\(id.uuidString.lowercased())"
        return try JSONDocument(document, status: .created, headers: headers).response(from: request, context: context)
    }

    /// The report of a ZIP upload: what went to whom and what did not, with why.
    struct ArchiveReport: Codable, Sendable, ResponseEncodable {
        var taxYear: Int
        var delivered: [K1Store.Delivered]
        var unmatched: [K1Matching.Unmatched]
    }

    /// `POST /v1/offerings/{id}/k1s/bulk?tax_year=2025`, a ZIP as the body. The matched files are
    /// delivered together; the rest are reported and nothing is delivered for them.
    @Sendable func uploadArchive(_ request: Request, context: AuthenticatedContext) async throws -> ArchiveReport {
        let offering = try OfferingController.id(context)
        try await self.store.authorizeDelivery(offering: offering, by: context.identity, logger: context.logger)
        let taxYear = try self.taxYear(request.uri.queryParameters, required: true)!
        let bytes = try await Self.body(request, limit: K1File.maxArchiveBytes, what: "A K-1 archive")
        let archive: ZipArchive
        do {
            // Inflated, an archive may hold at most 100 MiB in memory, 500 files of 10 MiB each.
            archive = try ZipArchive(bytes, limits: ZipArchive.Limits(maxEntries: 500, maxEntryBytes: K1File.maxBytes, maxTotalBytes: 100 << 20))
        } catch {
            throw Problem(.unprocessableContent, detail: "The upload \(error.description).")
        }
        let files = archive.entries
            .filter { entry in
                // Finder and Explorer add these; they are not anyone's K-1.
                let name = K1File.displayName(entry.path)
                return !entry.path.hasPrefix("__MACOSX/") && !name.hasPrefix(".")
            }
            .map { K1Matching.File(name: K1File.displayName($0.path), contents: $0.contents) }
        let skipped = archive.skipped.map { K1Matching.Unmatched(fileName: K1File.displayName($0.path), reason: $0.reason) }
        guard !files.isEmpty || !skipped.isEmpty else {
            throw Problem.validation(field: "body", "the archive holds no files")
        }
        let outcome = UnmatchedBox()
        let delivered = try await self.store.deliver(offering: offering, taxYear: taxYear, by: context.identity, logger: context.logger) {
            investors in
            let (matched, unmatched) = K1Matching.match(files, investors: investors)
            outcome.set(unmatched)
            return matched.map { K1Store.Delivery(investorId: $0.investorId, fileName: $0.file.name, contents: $0.file.contents) }
        }
        return ArchiveReport(taxYear: taxYear, delivered: delivered, unmatched: outcome.value + skipped)
    }

    @Sendable func listForOffering(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let offering = try OfferingController.id(context)
        let taxYear = try self.taxYear(request.uri.queryParameters, required: false)
        return try await self.store.list(
            offering: offering, taxYear: taxYear, by: context.identity, page: try PageRequest(request, order: K1Store.order),
            logger: context.logger)
    }

    @Sendable func listOwn(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let investor = try context.identity.requireUser("K-1s belong to investors.")
        let taxYear = try self.taxYear(request.uri.queryParameters, required: false)
        return try await self.store.list(
            investor: investor, taxYear: taxYear, page: try PageRequest(request, order: K1Store.order), logger: context.logger)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        JSONDocument(try await self.store.find(try context.parameters.uuid("k1_id", "K-1"), by: context.identity, logger: context.logger))
    }

    /// The PDF, as an attachment that no cache keeps (it carries a taxpayer id).
    @Sendable func file(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("k1_id", "K-1")
        let (fileName, contents) = try await self.store.download(id, by: context.identity, logger: context.logger)
        let headers: HTTPFields = [
            .contentType: "application/pdf",
            .contentDisposition: ContentDisposition.value(attachment: true, fileName: fileName),
            .cacheControl: "private, no-store",
            .xContentTypeOptions: "nosniff",
        ]
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: contents)))
    }

    /// `tax_year`: a year K-1s can exist for, 2018 (the first OZ year) up to the current one.
    private func taxYear(_ query: Parameters, required: Bool) throws -> Int? {
        guard let raw = query["tax_year"] else {
            if required { throw Problem.validation(field: "tax_year", "is required, e.g. tax_year=2025") }
            return nil
        }
        let latest = CalendarDate.day(of: self.clock.now).year
        guard let year = Int(raw), (2018...latest).contains(year) else {
            throw Problem.validation(field: "tax_year", "must be a year from 2018 to \(latest)")
        }
        return year
    }

    static func body(_ request: Request, limit: Int, what: String) async throws -> [UInt8] {
        do {
            let buffer = try await request.body.collect(upTo: limit)
            guard buffer.readableBytes > 0 else { throw Problem.validation(field: "body", "is empty: send the file as the body") }
            return Array(buffer.readableBytesView)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw Problem(.contentTooLarge, detail: "\(what) is at most \(limit >> 20) MiB.")
        }
    }
}

/// The unmatched files, carried out of the delivery's transaction closure.
private final class UnmatchedBox: Sendable {
    private let storage = Mutex<[K1Matching.Unmatched]>([])
    func set(_ value: [K1Matching.Unmatched]) { self.storage.withLock { $0 = value } }
    var value: [K1Matching.Unmatched] { self.storage.withLock { $0 } }
}
