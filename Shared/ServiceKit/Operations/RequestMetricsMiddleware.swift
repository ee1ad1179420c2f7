import Dispatch
import HTTPTypes
import Hummingbird
import Metrics
import NIOConcurrencyHelpers

/// RED metrics per route, under the names Hummingbird's `MetricsMiddleware` uses (`hb_requests`,
/// `http_server_request_duration`, `hb_request_errors`, `http_server_active_requests`), so the
/// dashboards and alerts in deploy/monitoring read them unchanged.
///
/// Why not Hummingbird's own (issue 19, found with `perf`): it records when the body has been
/// written, by wrapping the body in a closure. A wrapped body loses Hummingbird's fast path for a
/// single-buffer body (head, body and end in one write), so every response went out in three
/// `write` calls with three flushes, the largest share of the kit's per-request cost. This one
/// records when the response is handed back: the duration is the handler's, as in the access log.
///
/// Each label set is registered with the metrics backend once, on its first use, and looked up in a
/// dictionary afterwards; the method gauges are registered up front.
public struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let registry: RouteMetricsRegistry

    public init() {
        self.registry = RouteMetricsRegistry()
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = DispatchTime.now().uptimeNanoseconds
        let active = self.registry.activeRequests(request.method)
        active.increment()
        defer { active.decrement() }
        do {
            let response = try await next(request, context)
            let metrics = self.registry.route(context.endpointPath ?? "Unknown", request.method, response.status)
            metrics.requests.increment()
            metrics.duration.recordNanoseconds(DispatchTime.now().uptimeNanoseconds - started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let metrics = self.registry.route(context.endpointPath ?? "NotFound", request.method, status)
            metrics.requests.increment()
            metrics.errors.increment()
            throw error
        }
    }
}

/// The metric handles of each label set, made once.
final class RouteMetricsRegistry: Sendable {
    struct Route: Sendable {
        let requests: Counter
        let duration: Timer
        let errors: Counter
    }

    struct RouteKey: Hashable {
        let route: String
        let method: HTTPRequest.Method
        let status: HTTPResponse.Status
    }

    private let routes = NIOLockedValueBox<[RouteKey: Route]>([:])
    private let methods: [HTTPRequest.Method: Meter]
    private let otherMethods = NIOLockedValueBox<[HTTPRequest.Method: Meter]>([:])

    init() {
        let common: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options]
        self.methods = Dictionary(uniqueKeysWithValues: common.map { ($0, Self.activeMeter($0)) })
    }

    func activeRequests(_ method: HTTPRequest.Method) -> Meter {
        if let meter = self.methods[method] { return meter }
        return self.otherMethods.withLockedValue { meters in
            if let meter = meters[method] { return meter }
            let meter = Self.activeMeter(method)
            meters[method] = meter
            return meter
        }
    }

    func route(_ route: String, _ method: HTTPRequest.Method, _ status: HTTPResponse.Status) -> Route {
        let key = RouteKey(route: route, method: method, status: status)
        return self.routes.withLockedValue { routes in
            if let metrics = routes[key] { return metrics }
            let labels = [("http.route", route), ("http.request.method", method.rawValue)]
            let metrics = Route(
                requests: Counter(label: "hb.requests", dimensions: labels + [("http.response.status_code", String(status.code))]),
                duration: Timer(
                    label: "http.server.request.duration", dimensions: labels + [("http.response.status_code", String(status.code))],
                    preferredDisplayUnit: .seconds),
                errors: Counter(label: "hb.request.errors", dimensions: labels + [("error.type", String(status.code))])
            )
            routes[key] = metrics
            return metrics
        }
    }

    private static func activeMeter(_ method: HTTPRequest.Method) -> Meter {
        Meter(label: "http.server.active_requests", dimensions: [("http.request.method", method.rawValue)])
    }
}
