import Foundation
import HTTPTypes
import Hummingbird
import Models
import ServiceKit

/// `POST /v1/oz/check`, public and limited per client address: "check if your development is in an
/// OZ" before signing up. Signed in, `"save": true` keeps the answer on the caller's developer
/// profile (`GET /v1/oz/developer-profile`).
struct OZCheckController: RouteController {
    let tracts: OZTracts
    let geocoder: CensusGeocoder
    let profiles: DeveloperProfiles
    let limiter: RateLimiter
    let checksPerIP: TokenBucket
    let trustedProxies: TrustedProxies
    /// "Today" when a check gives no `as_of`.
    let clock: ServiceClock

    static let maximumAddressLength = 300

    /// `POST /v1/oz/check`: anonymous callers may check too.
    var publicEndpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .post("check", use: self.checkSite)
    }

    /// `GET /v1/oz/developer-profile`: the signed-in user's own.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get("developer-profile", use: self.developerProfile)
    }

    @Sendable func checkSite(_ request: Request, context: TractRequestContext) async throws -> OZCheckResult {
        let body = try await request.decode(as: OZCheckRequest.self, context: context)
        let today = CalendarDate.day(of: self.clock.now)
        let day = try Self.day(asked: body.asOf, today: today)
        let userID = try Self.savingUser(body, on: day, today: today, context: context)
        let client = ClientAddress.of(request, remote: context.remoteAddress, trustedProxies: self.trustedProxies) ?? "unknown"
        try await self.limiter.take("oz_check", for: client, bucket: self.checksPerIP, logger: context.logger)
        var result = try await self.check(body, on: day, context: context)
        if let userID {
            result.developerProfile = try await self.profiles.save(
                result, location: result.matchedAddress ?? body.address, for: userID, logger: context.logger
            )
        }
        return result
    }

    @Sendable func developerProfile(_ request: Request, context: AuthenticatedContext) async throws -> DeveloperProfile {
        let userID = try context.identity.requireUser("Only users have developer profiles.")
        guard let profile = try await self.profiles.find(userID, logger: context.logger) else {
            throw Problem.notFound("No developer profile yet: check a site with \"save\": true to start one.")
        }
        return profile
    }

    /// The day the check answers for: `as_of` exactly as `YYYY-MM-DD` and a real day (no
    /// 2026-02-30), or today.
    static func day(asked asOf: String?, today: CalendarDate) throws -> CalendarDate {
        guard let asOf else { return today }
        guard let day = CalendarDate(asOf) else {
            throw Problem.validation(field: "as_of", "must be a date such as 2027-01-01 (YYYY-MM-DD)")
        }
        return day
    }

    /// Who the answer is saved for, when the caller asked to save it: the one route that takes
    /// anonymous callers but needs a user for one of its options. A developer profile records
    /// whether the site is a zone now, so only today's answer is saved.
    static func savingUser(_ body: OZCheckRequest, on day: CalendarDate, today: CalendarDate, context: TractRequestContext) throws -> UUID? {
        guard body.save == true else { return nil }
        guard day == today else {
            throw Problem.validation(field: "as_of", "a check is saved to a developer profile for today only; leave out as_of to save")
        }
        guard let identity = context.identity else {
            throw Problem.unauthorized("Saving a check to a developer profile needs a bearer access token.", error: "invalid_request")
        }
        return try identity.requireUser("Only users have developer profiles.")
    }

    func check(_ body: OZCheckRequest, on day: CalendarDate, context: TractRequestContext) async throws -> OZCheckResult {
        let given = [body.tractGeoid != nil, body.address != nil, body.lat != nil || body.lng != nil].filter { $0 }
        guard given.count == 1 else {
            throw Problem.validation(field: "tract_geoid", "give exactly one of tract_geoid, address, or lat and lng")
        }
        if let text = body.tractGeoid {
            guard let tract = TractGEOID(text) else {
                throw Problem.validation(field: "tract_geoid", "must be an 11-digit 2010 census tract GEOID of a US state or territory")
            }
            return try await self.tracts.check(tract, on: day, logger: context.logger)
        }
        if let address = body.address {
            return try await self.check(address: address, on: day, context: context)
        }
        guard let lat = body.lat, let lng = body.lng else {
            throw Problem.validation(field: body.lat == nil ? "lat" : "lng", "is required with \(body.lat == nil ? "lng" : "lat")")
        }
        guard (-90...90).contains(lat), (-180...180).contains(lng) else {
            throw Problem.validation(field: (-90...90).contains(lat) ? "lng" : "lat", "is outside the range of coordinates")
        }
        guard let tract = try await self.tracts.locate(lat: lat, lng: lng, logger: context.logger) else {
            guard try await self.tracts.hasBoundaries(logger: context.logger) else {
                throw Problem(
                    .notImplemented,
                    detail: "Checks by lat/lng need census tract boundaries, which this deployment has not loaded "
                        + "(scripts/import-tract-boundaries.sh); check by address or tract_geoid."
                )
            }
            throw Problem.validation(field: "lat", "the point is not inside any loaded census tract")
        }
        var result = try await self.tracts.check(tract, on: day, logger: context.logger)
        result.checkedBy = "coordinates"
        result.coordinates = .init(lat: lat, lng: lng)
        return result
    }

    func check(address: String, on day: CalendarDate, context: TractRequestContext) async throws -> OZCheckResult {
        let trimmed = address.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (5...Self.maximumAddressLength).contains(trimmed.count), !trimmed.contains(where: \.isNewline) else {
            throw Problem.validation(field: "address", "must be a one-line street address of 5 to \(Self.maximumAddressLength) characters")
        }
        let match: CensusGeocoder.Match
        do {
            match = try await self.geocoder.locate(trimmed, logger: context.logger)
        } catch .noMatch {
            throw Problem.validation(field: "address", "the Census geocoder found no such address")
        } catch {
            throw Problem.serviceUnavailable("The address lookup (US Census Geocoder) is unavailable; try again, or check by tract GEOID.")
        }
        var result = try await self.tracts.check(match.tract, on: day, logger: context.logger)
        result.checkedBy = "address"
        result.matchedAddress = match.matchedAddress
        result.coordinates = .init(lat: match.lat, lng: match.lng)
        return result
    }
}

extension OZCheckResult: ResponseGenerator {
    func response(from request: Request, context: some RequestContext) throws -> Response {
        try TractResponseEncoder().encode(self, from: request, context: context)
    }
}
