import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceKit

/// The US Census Geocoder (`geographies/onelineaddress`): a street address to its 2010 census
/// tract, the vintage the 2018 Opportunity Zone designations use.
struct CensusGeocoder: Sendable {
    struct Match: Sendable, Equatable {
        var tract: TractGEOID
        var matchedAddress: String
        var lat: Double
        var lng: Double
    }

    enum Failure: Error, Equatable {
        /// The geocoder answered but found no such address.
        case noMatch
        /// The geocoder could not be reached or answered something else than its format.
        case unavailable(String)
    }

    /// `CENSUS_GEOCODER_URL`, e.g. `https://geocoding.geo.census.gov/geocoder`.
    let baseURL: URL
    var timeout: TimeAmount = .seconds(5)
    var client: HTTPClient = .shared

    func locate(_ address: String, logger: Logger) async throws(Failure) -> Match {
        var components = URLComponents(
            url: baseURL.appendingPathComponent("geographies/onelineaddress"), resolvingAgainstBaseURL: false
        )!
        // Public_AR_Current with Census2010_Current answers in 2010 tracts (layer "Census Tracts").
        components.queryItems = [
            URLQueryItem(name: "address", value: address),
            URLQueryItem(name: "benchmark", value: "Public_AR_Current"),
            URLQueryItem(name: "vintage", value: "Census2010_Current"),
            URLQueryItem(name: "layers", value: "Census Tracts"),
            URLQueryItem(name: "format", value: "json"),
        ]
        let body: ByteBuffer
        do {
            let response = try await client.execute(HTTPClientRequest(url: components.url!.absoluteString), timeout: timeout)
            guard response.status == .ok else { throw Failure.unavailable("status \(response.status.code)") }
            body = try await response.body.collect(upTo: 1 << 20)
        } catch let failure as Failure {
            throw failure
        } catch {
            logger.warning("census geocoder unreachable", metadata: ["error": "\(error)"])
            throw .unavailable("\(error)")
        }
        return try Self.parse(Data(body.readableBytesView))
    }

    /// Reads the geocoder's JSON (`result.addressMatches[].geographies["Census Tracts"][].GEOID`).
    static func parse(_ data: Data) throws(Failure) -> Match {
        struct Reply: Decodable {
            struct Result: Decodable { var addressMatches: [AddressMatch] }
            struct AddressMatch: Decodable {
                struct Coordinates: Decodable {
                    var x: Double
                    var y: Double
                }
                struct Tract: Decodable {
                    var geoid: String
                    enum CodingKeys: String, CodingKey { case geoid = "GEOID" }
                }
                var matchedAddress: String
                var coordinates: Coordinates
                var geographies: [String: [Tract]]
            }
            var result: Result
        }
        guard let reply = try? JSONDecoder().decode(Reply.self, from: data) else {
            throw .unavailable("the geocoder's answer is not in the Census format")
        }
        guard let match = reply.result.addressMatches.first else { throw .noMatch }
        guard let geoid = match.geographies["Census Tracts"]?.first?.geoid, let tract = TractGEOID(geoid) else {
            throw .unavailable("the geocoder's match has no census tract")
        }
        return Match(tract: tract, matchedAddress: match.matchedAddress, lat: match.coordinates.y, lng: match.coordinates.x)
    }
}
