import Foundation
import HTTPTypes
import Hummingbird
import Models
import ServiceKit

/// `/v1/analytics/…` reports for staff (the admin role): JSON, or CSV with `?format=csv` or
/// `Accept: text/csv`. Investors and other roles get 403, anonymous callers 401. Every route is a
/// GET with query parameters (so a report is a link a person can share and reopen), except the
/// rollup rerun, a POST.
struct ReportController: RouteController {
    let reports: AnalyticsReports
    let rollup: MetricsRollup
    let clock: ServiceClock

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get("funnels", use: self.funnel)
            .get("funnels/investment", use: self.investmentFunnel)
            .get("retention", use: self.retention)
            .get("metrics", use: self.metrics)
            .post("metrics/rollup", use: self.rerunRollup)
            .get("sign-ups", use: self.signUps)
            .get("sources", use: self.sources)
            .get("oz-checks/states", use: self.ozChecks)
    }

    static func requireStaff(_ context: AuthenticatedContext) throws {
        try context.identity.requireRole(.admin)
    }

    @Sendable func funnel(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try Self.requireStaff(context)
        let format = try ReportFormat(request)
        var query = ReportQuery(request, today: self.clock.now)
        let steps = query.text("steps").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? []
        if steps.isEmpty { query.errors.add("steps", "is required: 2 to 10 event names, comma-separated") }
        let funnel = FunnelRequest(
            steps: steps,
            windowSeconds: query.window("window", default: 7 * 86_400),
            range: query.range(),
            filters: query.filters(),
            breakdown: query.text("breakdown")
        )
        query.errors.add(contentsOf: try await self.reports.funnelProblems(funnel, logger: context.logger).all)
        try query.check()
        let report = try await self.reports.funnel(funnel, logger: context.logger)
        return try Self.respond(report, format, csv: ReportCSV.funnel, name: "funnel")
    }

    @Sendable func investmentFunnel(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try Self.requireStaff(context)
        let format = try ReportFormat(request)
        var query = ReportQuery(request, today: self.clock.now)
        let offering = query.uuid("offering_id")
        let range = query.range(defaultDays: 90)
        try query.check()
        let report = try await self.reports.investmentFunnel(offeringID: offering, range: range, logger: context.logger)
        return try Self.respond(report, format, csv: ReportCSV.funnel, name: "investment-funnel")
    }

    @Sendable func retention(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try Self.requireStaff(context)
        let format = try ReportFormat(request)
        var query = ReportQuery(request, today: self.clock.now)
        let period = query.text("period").map { RetentionPeriod(rawValue: $0) } ?? .week
        if period == nil { query.errors.add("period", "must be day, week or month") }
        let range = query.range(defaultDays: 84)
        let periods = query.integer("periods", default: 8, RetentionQuery.periodRange)
        try query.check()
        let report = try await self.reports.retention(
            RetentionRequest(period: period ?? .week, range: range, periods: periods), logger: context.logger
        )
        return try Self.respond(report, format, csv: ReportCSV.retention, name: "retention")
    }

    @Sendable func metrics(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await self.rangeReport(
            request, context, name: "metrics", csv: { ReportCSV.metrics($0.days) },
            load: { range in
                Days(days: try await self.reports.dailyMetrics(range: range, logger: context.logger))
            })
    }

    /// Recomputes the range's days now (after a backfill, or a change to what counts), waiting
    /// for a scheduled run in progress; answers the recomputed days.
    @Sendable func rerunRollup(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try Self.requireStaff(context)
        var query = ReportQuery(request, today: self.clock.now)
        let range = query.range()
        try query.check()
        try ReportRange.problems(range).check()
        try await self.rollup.recompute(range: range, logger: context.logger)
        let days = try await self.reports.dailyMetrics(range: range, logger: context.logger)
        return try Self.respond(Days(days: days), .json, csv: { ReportCSV.metrics($0.days) }, name: "metrics")
    }

    @Sendable func signUps(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await self.rangeReport(
            request, context, name: "sign-ups", csv: { ReportCSV.signUps($0.days) },
            load: { range in
                SignUpDays(days: try await self.reports.signUps(range: range, logger: context.logger))
            })
    }

    @Sendable func sources(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try Self.requireStaff(context)
        let format = try ReportFormat(request)
        var query = ReportQuery(request, today: self.clock.now)
        let range = query.range()
        let limit = query.integer("limit", default: 10, 1...100)
        try query.check()
        let sources = try await self.reports.topSources(range: range, limit: limit, logger: context.logger)
        return try Self.respond(Sources(sources: sources), format, csv: { ReportCSV.sources($0.sources) }, name: "sources")
    }

    @Sendable func ozChecks(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await self.rangeReport(
            request, context, name: "oz-checks-by-state", csv: { ReportCSV.states($0.states) },
            load: { range in
                States(states: try await self.reports.ozChecksByState(range: range, logger: context.logger))
            })
    }

    /// A report asked for by its date range alone: staff only, JSON or CSV.
    private func rangeReport<Report: Encodable>(
        _ request: Request, _ context: AuthenticatedContext, name: String, csv: (Report) -> String,
        load: (DayRange) async throws -> Report
    ) async throws -> Response {
        try Self.requireStaff(context)
        let format = try ReportFormat(request)
        var query = ReportQuery(request, today: self.clock.now)
        let range = query.range()
        try query.check()
        return try Self.respond(try await load(range), format, csv: csv, name: name)
    }

    struct Days: Codable { var days: [DailyMetrics] }
    struct SignUpDays: Codable { var days: [DailyCount] }
    struct Sources: Codable { var sources: [SourceCount] }
    struct States: Codable { var states: [StateCount] }

    static func respond<Report: Encodable>(_ report: Report, _ format: ReportFormat, csv: (Report) -> String, name: String) throws -> Response {
        let (text, type): (String, String)
        var headers = HTTPFields()
        switch format {
        case .json:
            (text, type) = (String(decoding: try JSONEncoder.tract.encode(report), as: UTF8.self), "application/json; charset=utf-8")
        case .csv:
            (text, type) = (csv(report), "text/csv; charset=utf-8; header=present")
            headers[.contentDisposition] = "attachment; filename=\"\(name).csv\""
        }
        headers[.contentType] = type
        headers[.cacheControl] = "no-store"
        let buffer = ByteBuffer(string: text)
        headers[.contentLength] = String(buffer.readableBytes)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
    }
}
