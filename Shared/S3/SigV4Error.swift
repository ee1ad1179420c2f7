/// Why a request could not be signed. Each case is a caller mistake, found before anything is sent.
public enum SigV4Error: Error, Sendable, Hashable, CustomStringConvertible {
    /// The URL has no host, or its path or query holds a malformed percent-escape.
    case invalidURL(String)
    /// Presigned URLs live between 1 second and 7 days (604 800 s); S3 refuses anything else.
    case invalidExpiry(seconds: Int)

    public var description: String {
        switch self {
        case .invalidURL(let reason): "cannot sign URL: \(reason)"
        case .invalidExpiry(let seconds):
            "presigned URL expiry of \(seconds) s is outside 1...\(SigV4Signer.maximumPresignedExpiry) s"
        }
    }
}
