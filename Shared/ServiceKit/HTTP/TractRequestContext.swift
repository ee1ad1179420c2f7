import Hummingbird
import NIOCore

/// The request context every Tract route sees: Hummingbird's core storage plus the request id and,
/// when a valid bearer token came with the request, the caller's identity.
public struct TractRequestContext: RequestContext, Sendable {
    public var coreContext: CoreRequestContextStorage
    /// Set by `RequestIDMiddleware`; echoed in `X-Request-Id` and in every problem body.
    public var requestID: String = ""
    /// The caller's W3C trace, continued on internal calls. Set by `RequestIDMiddleware`, the first
    /// middleware of every service, so not drawn at random here for each request only to be replaced.
    public var traceParent: TraceParent = .unset
    /// Set by `IdentityMiddleware` from a verified bearer token; `nil` for anonymous callers.
    public var identity: Identity?
    /// Set by `RequestIDMiddleware` from the service configuration (`MAX_BODY_BYTES`).
    public var bodyLimit: Int = 1 << 20
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    public var maxUploadSize: Int { self.bodyLimit }
    public var requestDecoder: TractRequestDecoder { TractRequestDecoder() }
    public var responseEncoder: TractResponseEncoder { TractResponseEncoder() }
}

/// A context that exists only for a signed-in caller: routes grouped under it cannot run without
/// an identity, so a handler cannot forget the check (STYLE.md, "request contexts are chained").
public struct AuthenticatedContext: ChildRequestContext, Sendable {
    public var coreContext: CoreRequestContextStorage
    public var requestID: String
    public var traceParent: TraceParent
    public var identity: Identity
    public var bodyLimit: Int
    public let remoteAddress: SocketAddress?

    public init(context: TractRequestContext) throws {
        guard let identity = context.identity else {
            throw Problem.unauthorized("This route needs a bearer access token.", error: "invalid_request")
        }
        self.coreContext = context.coreContext
        self.requestID = context.requestID
        self.traceParent = context.traceParent
        self.identity = identity
        self.bodyLimit = context.bodyLimit
        self.remoteAddress = context.remoteAddress
    }

    public var maxUploadSize: Int { self.bodyLimit }
    public var requestDecoder: TractRequestDecoder { TractRequestDecoder() }
    public var responseEncoder: TractResponseEncoder { TractResponseEncoder() }
}
