import Foundation

/// Where the objects live and how long to wait for them.
public struct S3Configuration: Sendable {
    /// The service root, e.g. `https://s3.eu-west-2.amazonaws.com` or `http://127.0.0.1:9000` for a
    /// local S3-compatible store. Buckets are addressed by path (`<endpoint>/<bucket>/<key>`), which
    /// every S3-compatible server supports and which needs no wildcard DNS.
    public var endpoint: URL
    /// The region signatures are scoped to; S3 refuses a signature for another region.
    public var region: String
    public var credentials: SigV4Credentials
    /// A bound on each call, from connect to the last byte of the body.
    public var timeout: Duration
    /// The largest object body `getObject` will hold in memory; larger ones are refused rather than
    /// read, so a wrong key cannot exhaust memory.
    public var maximumBodySize: Int

    public init(
        endpoint: URL,
        region: String,
        credentials: SigV4Credentials,
        timeout: Duration = .seconds(30),
        maximumBodySize: Int = 100 * 1024 * 1024
    ) {
        self.endpoint = endpoint
        self.region = region
        self.credentials = credentials
        self.timeout = timeout
        self.maximumBodySize = maximumBodySize
    }
}
