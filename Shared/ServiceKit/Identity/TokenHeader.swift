import Foundation

/// The parts of a JWT header the verifier decides on before any cryptography runs.
struct TokenHeader: Decodable, Equatable {
    var alg: String
    var kid: String?

    /// Reads the header segment of a compact JWS; `nil` when it is not one.
    static func parse(_ token: String) -> TokenHeader? {
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3, let data = Base64URL.decode(segments[0]) else { return nil }
        return try? JSONDecoder().decode(TokenHeader.self, from: data)
    }
}
