/// Why a message was not sent. `isTransient` tells a caller whether trying again later can help
/// (RFC 5321 §4.2.1: 4yz replies are transient, 5yz permanent; a dropped connection is transient).
public enum SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An address that cannot be put in an envelope or header safely.
    case invalidAddress(String)
    /// A header value with a line break or control character: refused rather than sent, so user
    /// input can never add headers or recipients.
    case invalidHeader(name: String)
    case connectionFailed(String)
    case connectionClosed
    case timedOut
    /// The server answered a command with a failure reply.
    case rejected(command: String, reply: SMTPReply)
    /// TLS was required but the server does not offer STARTTLS.
    case startTLSUnavailable
    /// Credentials are configured but the server offers neither PLAIN nor LOGIN.
    case authenticationUnavailable
    /// Credentials would cross the network unencrypted.
    case insecureAuthentication
    case protocolViolation(String)

    public var isTransient: Bool {
        switch self {
        case .connectionFailed, .connectionClosed, .timedOut, .protocolViolation: true
        case .rejected(_, let reply): reply.isTransientFailure
        case .invalidAddress, .invalidHeader, .startTLSUnavailable, .authenticationUnavailable,
            .insecureAuthentication:
            false
        }
    }

    public var description: String {
        switch self {
        case .invalidAddress(let address): "invalid email address \(address.debugDescription)"
        case .invalidHeader(let name): "header \(name) contains a line break or control character"
        case .connectionFailed(let reason): "could not connect to the SMTP server: \(reason)"
        case .connectionClosed: "the SMTP server closed the connection"
        case .timedOut: "the SMTP exchange timed out"
        case .rejected(let command, let reply): "the SMTP server rejected \(command): \(reply)"
        case .startTLSUnavailable: "the SMTP server does not offer STARTTLS"
        case .authenticationUnavailable: "the SMTP server offers no supported AUTH mechanism (PLAIN, LOGIN)"
        case .insecureAuthentication: "refusing to send SMTP credentials without TLS"
        case .protocolViolation(let detail): "SMTP protocol violation: \(detail)"
        }
    }
}
