import NIOCore

/// What S3 says about an object without its body (HEAD).
public struct S3ObjectMetadata: Sendable, Hashable {
    /// The entity tag exactly as S3 sent it, quotes included, ready for `If-Match`/`If-None-Match`.
    public var eTag: String
    /// The length of what was returned: the whole object, or the range asked for.
    public var contentLength: Int
    /// The type stored with the object at upload.
    public var contentType: String?

    public init(eTag: String, contentLength: Int, contentType: String?) {
        self.eTag = eTag
        self.contentLength = contentLength
        self.contentType = contentType
    }
}

/// An object's bytes (or a range of them) with its metadata.
public struct S3Object: Sendable {
    public var body: ByteBuffer
    public var metadata: S3ObjectMetadata
    /// For a range request, S3's `Content-Range` (`bytes 0-9/5242880`), which carries the total size.
    public var contentRange: String?

    public init(body: ByteBuffer, metadata: S3ObjectMetadata, contentRange: String? = nil) {
        self.body = body
        self.metadata = metadata
        self.contentRange = contentRange
    }
}
