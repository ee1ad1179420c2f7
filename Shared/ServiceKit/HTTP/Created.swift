import Foundation
import HTTPTypes
import Hummingbird

/// `201 Created` with the new resource as JSON and its address in `Location`.
public struct Created<Body: Encodable & Sendable>: ResponseGenerator, Sendable {
    public var body: Body
    public var location: String

    public init(_ body: Body, location: String) {
        self.body = body
        self.location = location
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try TractResponseEncoder().encode(self.body, from: request, context: context)
        response.status = .created
        response.headers[.location] = self.location
        return response
    }
}
