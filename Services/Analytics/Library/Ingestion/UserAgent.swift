/// What analytics keeps of a `User-Agent`: the kind of device, the operating system and the
/// browser family, never the string itself (it is close to a fingerprint). Order matters in every
/// table below: Edge and Opera say "Chrome" and "Safari" too, Chrome on iOS says "Safari", Android
/// says "Linux", so the more specific token is checked first.
struct UserAgent: Equatable, Sendable {
    var deviceType: String
    var os: String
    var browser: String
    var isBot: Bool

    init(deviceType: String, os: String, browser: String, isBot: Bool = false) {
        self.deviceType = deviceType
        self.os = os
        self.browser = browser
        self.isBot = isBot
    }

    init(parsing header: String?) {
        let ua = (header ?? "").lowercased()
        self.isBot = Self.isBot(ua)
        self.os = Self.first(Self.systems, in: ua) ?? "Other"
        self.browser = Self.first(Self.browsers, in: ua) ?? "Other"
        self.deviceType = self.isBot ? "bot" : Self.device(ua, os: self.os)
    }

    /// Crawlers, link previewers, monitors and headless browsers: their visits are not people's.
    /// `curl`, `wget` and HTTP libraries are allowed on purpose: server-side senders and scripts
    /// post events through them, and their events are real.
    static func isBot(_ ua: String) -> Bool {
        if ua.isEmpty { return false }
        return Self.botTokens.contains { ua.contains($0) }
    }

    static let botTokens = [
        "bot", "crawler", "spider", "crawling", "slurp", "headlesschrome", "phantomjs", "lighthouse", "pagespeed", "prerender",
        "facebookexternalhit", "embedly", "quora link preview", "whatsapp", "preview", "archive.org", "ia_archiver", "mediapartners",
        "adsbot", "apis-google", "feedfetcher", "pingdom", "uptimerobot", "statuscake", "site24x7", "petalsearch", "yandex",
        "baiduspider", "duckduckgo-favicons", "semrush", "ahrefs", "mj12", "dotbot", "bytespider", "gptbot", "ccbot", "claudebot",
        "perplexity", "google-inspectiontool", "chrome-lighthouse", "selenium", "puppeteer", "playwright",
    ]

    static let systems: [(token: String, name: String)] = [
        ("windows phone", "Windows Phone"), ("windows", "Windows"), ("iphone", "iOS"), ("ipad", "iOS"), ("ipod", "iOS"),
        ("android", "Android"), ("cros", "ChromeOS"), ("mac os x", "macOS"), ("macintosh", "macOS"), ("linux", "Linux"),
        ("freebsd", "FreeBSD"),
    ]

    static let browsers: [(token: String, name: String)] = [
        ("edg/", "Edge"), ("edge/", "Edge"), ("edga/", "Edge"), ("edgios/", "Edge"), ("opr/", "Opera"), ("opera", "Opera"),
        ("samsungbrowser/", "Samsung Internet"), ("yabrowser/", "Yandex Browser"), ("ucbrowser/", "UC Browser"),
        ("vivaldi/", "Vivaldi"), ("firefox/", "Firefox"), ("fxios/", "Firefox"), ("crios/", "Chrome"), ("chromium/", "Chromium"),
        ("chrome/", "Chrome"), ("msie ", "Internet Explorer"), ("trident/", "Internet Explorer"), ("safari/", "Safari"),
        ("curl/", "curl"), ("wget/", "Wget"),
    ]

    static func first(_ table: [(token: String, name: String)], in ua: String) -> String? {
        table.first { ua.contains($0.token) }?.name
    }

    /// iPad and Android without "mobile" are tablets (Google's guidance to Android vendors);
    /// a desktop OS or an unknown one reads as desktop.
    static func device(_ ua: String, os: String) -> String {
        if ua.contains("ipad") || ua.contains("tablet") || (os == "Android" && !ua.contains("mobile")) { return "tablet" }
        if ua.contains("mobi") || ua.contains("iphone") || ua.contains("ipod") || os == "Windows Phone" { return "mobile" }
        if ua.contains("smart-tv") || ua.contains("smarttv") || ua.contains("appletv") { return "tv" }
        return ua.isEmpty ? "unknown" : "desktop"
    }
}
