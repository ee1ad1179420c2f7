import Foundation

/// The hosts a virtual tour may be embedded from (`MEDIA_TOUR_HOSTS`). A tour is stored as its
/// https URL and the service builds the `<iframe>` from it (`media.tour_embed`), so what anonymous
/// readers get is markup we wrote pointing at a tour provider we chose, never a sponsor's HTML.
struct TourHosts: Sendable, Equatable {
    /// Matterport, Kuula, CloudPano, Momento360, Zillow 3D Home, EyeSpy360, and the two video hosts
    /// tours of type `video` use.
    static let standard: Set<String> = [
        "my.matterport.com", "kuula.co", "app.cloudpano.com", "momento360.com", "www.zillow.com",
        "www.eyespy360.com", "www.youtube.com", "player.vimeo.com",
    ]

    var hosts: Set<String>

    init(_ hosts: Set<String> = Self.standard) {
        self.hosts = Set(hosts.map { $0.lowercased() })
    }

    /// Parses the setting: host names separated by commas, each a DNS name.
    init?(setting: String) {
        let names = setting.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard !names.isEmpty, names.allSatisfy({ $0.wholeMatch(of: /[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+/) != nil })
        else { return nil }
        self.hosts = Set(names)
    }

    /// Why `url` cannot be a tour's location, or nil when it can: https, an allowed host exactly,
    /// no credentials or port, at most 500 characters.
    func problem(with url: String) -> String? {
        let wrong = "must be an https URL on one of \(self.hosts.sorted().joined(separator: ", ")), at most 500 characters"
        guard url.count <= 500, !url.contains(where: { $0.isWhitespace || "\"'<>\\".contains($0) }),
            let components = URLComponents(string: url), components.scheme?.lowercased() == "https",
            let host = components.host?.lowercased(), self.hosts.contains(host),
            components.user == nil, components.password == nil, components.port == nil || components.port == 443
        else { return wrong }
        return nil
    }
}
