/// Why an S3 call failed. Every error `S3Client` throws is one of these.
public enum S3Error: Error, Sendable, Hashable, CustomStringConvertible {
    /// S3 answered with an error status. `code` is the `<Code>` of its XML error document
    /// (`NoSuchKey`, `SignatureDoesNotMatch`, `InvalidAccessKeyId`, `AccessDenied`, …); it is nil
    /// when there was no document, as for every HEAD response.
    case service(status: Int, code: String?, message: String?, requestID: String?)
    /// A bucket name, key, range or expiry that S3 would refuse, caught before sending.
    case invalidRequest(String)
    /// No answer within the configured timeout.
    case timedOut
    /// The endpoint could not be reached, or the connection broke mid-exchange.
    case connectionFailed(String)
    /// An object body longer than `S3Configuration.maximumBodySize`.
    case responseTooLarge(limit: Int)
    /// A success status without what it must carry (such as the ETag of a PUT).
    case unexpectedResponse(String)

    /// The HTTP status of a `.service` error.
    public var status: Int? {
        if case .service(let status, _, _, _) = self { return status }
        return nil
    }

    /// The S3 error code of a `.service` error.
    public var code: String? {
        if case .service(_, let code, _, _) = self { return code }
        return nil
    }

    /// True when the object or bucket does not exist (404, with or without a document).
    public var isNotFound: Bool { status == 404 }

    /// True when trying again later can help: throttling, S3's own 5xx, timeouts, broken
    /// connections. Authentication and validation failures are permanent.
    public var isTransient: Bool {
        switch self {
        case .service(let status, let code, _, _): status >= 500 || status == 429 || code == "SlowDown"
        case .timedOut, .connectionFailed: true
        case .invalidRequest, .responseTooLarge, .unexpectedResponse: false
        }
    }

    public var description: String {
        switch self {
        case .service(let status, let code, let message, let requestID):
            "S3 error \(status) \(code ?? "(no code)"): \(message ?? "(no message)")"
                + (requestID.map { " (request \($0))" } ?? "")
        case .invalidRequest(let reason): "invalid S3 request: \(reason)"
        case .timedOut: "the S3 request timed out"
        case .connectionFailed(let reason): "could not reach S3: \(reason)"
        case .responseTooLarge(let limit): "the S3 object is larger than the \(limit)-byte limit"
        case .unexpectedResponse(let reason): "unexpected S3 response: \(reason)"
        }
    }
}
