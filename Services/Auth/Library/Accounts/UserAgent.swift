import Foundation

/// Device type, browser and OS read from a User-Agent header, for the sessions list a user reviews
/// ("Chrome on macOS, desktop"). Good enough to recognise one's own devices; not fingerprinting.
public struct UserAgent: Sendable, Equatable {
    public var deviceType: String
    public var browser: String
    public var os: String

    public init(deviceType: String, browser: String, os: String) {
        self.deviceType = deviceType
        self.browser = browser
        self.os = os
    }

    public init(header: String?) {
        let ua = header ?? ""
        func has(_ needle: String) -> Bool { ua.range(of: needle, options: .caseInsensitive) != nil }

        // Order matters: Edge and Opera also claim Chrome; Chrome also claims Safari.
        self.browser =
            if has("Edg/") { "Edge" } else if has("OPR/") || has("Opera") { "Opera" } else if has("Firefox/") {
                "Firefox"
            } else if has("Chrome/") || has("CriOS/") { "Chrome" } else if has("Safari/") { "Safari" } else if has("curl/") {
                "curl"
            } else if ua.isEmpty { "Unknown" } else { "Other" }

        self.os =
            if has("iPhone") || has("iPad") || has("iOS") { "iOS" } else if has("Android") { "Android" } else if has("Windows") {
                "Windows"
            } else if has("Mac OS X") || has("Macintosh") { "macOS" } else if has("CrOS") { "ChromeOS" } else if has("Linux") { "Linux" } else {
                "Unknown"
            }

        self.deviceType =
            if has("iPad") || has("Tablet") { "tablet" } else if has("Mobile") || has("iPhone") || has("Android") {
                "mobile"
            } else if ua.isEmpty || has("curl/") || has("bot") { "other" } else { "desktop" }
    }
}
