import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import ServiceKit

/// `/v1/analytics/dashboard`: the staff dashboard as HTML, its CSV downloads, and the one-use links
/// that let a browser open it (README "Dashboard").
///
/// Who may look: a bearer token with the admin role (an investor's gets 403); or a browser holding
/// a dashboard session, started by opening a link minted with `POST …/links` (the URL works once,
/// within five minutes; the session's HttpOnly, SameSite=Strict cookie is scoped to this path and
/// lasts an hour). Anyone else gets 401. Refusals are problem+json like every other route.
struct DashboardController: RouteController {
    let loader: DashboardLoader
    let links: DashboardLinks
    let clock: ServiceClock

    /// On the public collection: a browser brings a link or a cookie, not a token.
    var publicEndpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .get(use: self.page)
            .get("exports/sign-ups.csv", use: self.signUpsCSV)
            .get("exports/investment-funnel.csv", use: self.funnelCSV)
            .get("exports/retention.csv", use: self.retentionCSV)
            .get("exports/sources.csv", use: self.sourcesCSV)
            .get("exports/oz-checks.csv", use: self.ozChecksCSV)
    }

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post("links", use: self.mintLink)
    }

    /// The page sends no script and loads nothing: everything else is refused.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    @Sendable func page(_ request: Request, context: TractRequestContext) async throws -> Response {
        let session = try await self.admit(request, context: context)
        let range = try self.range(request)
        let data = try await self.loader.load(range, today: self.clock.now, logger: context.logger)
        let html = DashboardPage.render(data, exports: Self.exports(range))
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8",
            .contentSecurityPolicy: Self.contentSecurityPolicy,
            .cacheControl: "no-store",
            .xContentTypeOptions: "nosniff",
            .referrerPolicy: "no-referrer",
            .xFrameOptions: "DENY",
        ]
        if let started = session.started {
            headers[.setCookie] = Self.cookie(started, secure: request.headers[.xForwardedProto] == "https")
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// `POST /v1/analytics/dashboard/links[?from=&to=]`: a one-use URL (relative to the service's
    /// base URL or the gateway's) for a staff member's browser.
    @Sendable func mintLink(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try context.identity.requireRole(.admin)
        let user = try context.identity.requireUser("Dashboard links are for staff members, not service clients.")
        let query = request.uri.queryParameters
        let range: DashboardRange? =
            query["from"] == nil && query["to"] == nil
            ? nil : try DashboardRange(from: query["from"].map(String.init), to: query["to"].map(String.init), today: self.clock.now)
        let (secret, expiresAt) = try await self.links.mint(for: user, logger: context.logger)
        let url = DashboardPage.path + "?access=\(secret)" + (range.map { "&\($0.query)" } ?? "")
        let body = MintedLink(url: url, expiresAt: expiresAt)
        return JSONDocument(
            String(decoding: try JSONEncoder.tract.encode(body), as: UTF8.self), status: .created,
            headers: [.cacheControl: "no-store"])
    }

    // MARK: CSV downloads (the page's links; the staff JSON routes answer CSV too, for tokens)

    @Sendable func signUpsCSV(_ request: Request, context: TractRequestContext) async throws -> Response {
        let range = try await self.exportRange(request, context)
        return Self.csv(ReportCSV.signUps(try await self.loader.reports.signUps(range: range.dayRange, logger: context.logger)), "sign-ups", range)
    }

    @Sendable func funnelCSV(_ request: Request, context: TractRequestContext) async throws -> Response {
        let range = try await self.exportRange(request, context)
        let report = try await self.loader.reports.investmentFunnel(offeringID: nil, range: range.dayRange, logger: context.logger)
        return Self.csv(ReportCSV.funnel(report), "investment-funnel", range)
    }

    @Sendable func retentionCSV(_ request: Request, context: TractRequestContext) async throws -> Response {
        let range = try await self.exportRange(request, context)
        let report = try await self.loader.reports.retention(DashboardLoader.retentionRequest(range), logger: context.logger)
        return Self.csv(ReportCSV.retention(report), "retention", range)
    }

    @Sendable func sourcesCSV(_ request: Request, context: TractRequestContext) async throws -> Response {
        let range = try await self.exportRange(request, context)
        let sources = try await self.loader.reports.topSources(range: range.dayRange, limit: DashboardLoader.sourceLimit, logger: context.logger)
        return Self.csv(ReportCSV.sources(sources), "sources", range)
    }

    @Sendable func ozChecksCSV(_ request: Request, context: TractRequestContext) async throws -> Response {
        let range = try await self.exportRange(request, context)
        return Self.csv(
            ReportCSV.states(try await self.loader.reports.ozChecksByState(range: range.dayRange, logger: context.logger)), "oz-checks", range)
    }

    static func exports(_ range: DashboardRange) -> [DashboardPage.Export] {
        [
            ("Sign-ups", "sign-ups"), ("Investment funnel", "investment-funnel"), ("Retention", "retention"), ("Sources", "sources"),
            ("OZ checks", "oz-checks"),
        ].map { DashboardPage.Export(label: $0.0, href: "\(DashboardPage.path)/exports/\($0.1).csv?\(range.query)") }
    }

    // MARK: Access

    /// Lets the caller in or throws 401/403; `started` is the secret of a link this request opened
    /// (its cookie goes with the answer).
    private func admit(_ request: Request, context: TractRequestContext) async throws -> (admitted: Bool, started: String?) {
        // A link secret, once, or none: `?access=a&access=b` or a mangled secret is refused even
        // beside a bearer token, not quietly ignored (the document says what `access` looks like).
        let secrets = request.uri.queryParameters.getAll("access")
        if secrets.count > 1 || secrets.contains(where: { !SecretToken.isWellFormed($0) }) {
            throw Problem.validation(field: "access", "must be one dashboard link secret (43 characters of A–Z, a–z, 0–9, _ and -)")
        }
        if let identity = context.identity {
            try identity.requireRole(.admin)
            return (true, nil)
        }
        if let access = request.uri.queryParameters["access"] {
            guard try await self.links.open(String(access), logger: context.logger) else {
                throw Problem.unauthorized(
                    "This dashboard link has expired or was already used: ask for a new one (POST /v1/analytics/dashboard/links).")
            }
            return (true, String(access))
        }
        if let cookie = request.cookies[DashboardLinks.cookieName]?.value,
            try await self.links.isSession(cookie, logger: context.logger)
        {
            return (true, nil)
        }
        throw Problem.unauthorized(
            "The dashboard is for staff: send an admin's bearer token, or open a link from POST /v1/analytics/dashboard/links.")
    }

    private func exportRange(_ request: Request, _ context: TractRequestContext) async throws -> DashboardRange {
        _ = try await self.admit(request, context: context)
        return try self.range(request)
    }

    private func range(_ request: Request) throws -> DashboardRange {
        let query = request.uri.queryParameters
        return try DashboardRange(from: query["from"].map(String.init), to: query["to"].map(String.init), today: self.clock.now)
    }

    static func cookie(_ secret: String, secure: Bool) -> String {
        "\(DashboardLinks.cookieName)=\(secret); Path=\(DashboardPage.path); Max-Age=\(Int(DashboardLinks.sessionLifetime)); HttpOnly; SameSite=Strict"
            + (secure ? "; Secure" : "")
    }

    /// RFC 4180 text as a download named for the report and range.
    static func csv(_ text: String, _ name: String, _ range: DashboardRange) -> Response {
        let file = "\(name)-\(DashboardRange.key(range.first))-to-\(DashboardRange.key(range.last)).csv"
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8; header=present", .contentDisposition: "attachment; filename=\"\(file)\"",
                .cacheControl: "no-store", .xContentTypeOptions: "nosniff",
            ],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }
}

/// `POST /v1/analytics/dashboard/links`'s answer.
struct MintedLink: Encodable {
    var url: String
    var expiresAt: Date
}

extension HTTPField.Name {
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let xForwardedProto = HTTPField.Name("X-Forwarded-Proto")!
}
