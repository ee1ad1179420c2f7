import Foundation
import HTTPTypes
import Mustache
import ServiceKit

/// A campaign's subject, HTML and plain-text Mustache templates, compiled, with the links of the
/// HTML found and replaced by per-recipient tracking links. Pure: no I/O.
///
/// Variables a template may use: `name`, `email`, `unsubscribe_url` (every campaign mail should
/// carry it; the List-Unsubscribe header is added either way).
struct CampaignContent: Sendable {
    static let maximumTemplateLength = 100_000
    static let maximumLinks = 200
    static let variables = ["name", "email", "unsubscribe_url"]

    let subject: MustacheTemplate
    let text: MustacheTemplate
    /// The HTML as written, for previews and test sends (links not rewritten).
    let html: MustacheTemplate
    /// The HTML whose literal http(s) links are `{{{campaign_link_<index>}}}`.
    let trackedHTML: MustacheTemplate
    /// Those links' URLs, in order: where a click on link `index` goes.
    let links: [String]

    struct Rendered: Sendable, Equatable {
        var subject: String
        var text: String
        var html: String
    }

    /// Compiles the three templates, or throws a 422 naming each that does not compile.
    static func compile(subject: String, html: String, text: String) throws -> CampaignContent {
        var errors = FieldErrors()
        func parse(_ source: String, field: String, plain: Bool) -> MustacheTemplate? {
            do {
                // Plain text and the subject are not HTML: a name with "&" stays "&".
                return try MustacheTemplate(string: (plain ? "{{% CONTENT_TYPE: TEXT}}" : "") + source)
            } catch let error as MustacheTemplate.ParserError {
                errors.add(
                    field,
                    "is not a valid Mustache template: \(error.error) at line \(error.context.lineNumber), column \(error.context.columnNumber)")
            } catch {
                errors.add(field, "is not a valid Mustache template: \(error)")
            }
            return nil
        }
        let (trackedSource, links) = Self.trackLinks(in: html)
        if links.count > Self.maximumLinks { errors.add("html_template", "may hold at most \(Self.maximumLinks) links") }
        let compiledSubject = parse(subject, field: "subject", plain: true)
        let compiledHTML = parse(html, field: "html_template", plain: false)
        let compiledText = parse(text, field: "text_template", plain: true)
        let tracked = compiledHTML == nil ? nil : parse(trackedSource, field: "html_template", plain: false)
        try errors.check()
        guard let compiledSubject, let compiledHTML, let compiledText, let tracked else {
            throw Problem.validation(field: "html_template", "is not a valid Mustache template")
        }
        return CampaignContent(subject: compiledSubject, text: compiledText, html: compiledHTML, trackedHTML: tracked, links: links)
    }

    /// Renders for one recipient. `trackingLinks` (one per entry of `links`) switches the HTML to
    /// the tracked version; without it the links stay as written (previews, test sends).
    func render(variables: [String: String], trackingLinks: [String]? = nil) -> Rendered {
        var values = variables
        if let trackingLinks {
            for (index, link) in trackingLinks.enumerated() { values["campaign_link_\(index)"] = link }
        }
        let subject = self.subject.render(values).split(whereSeparator: \.isNewline).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
        return Rendered(
            subject: subject, text: self.text.render(values), html: (trackingLinks == nil ? self.html : self.trackedHTML).render(values))
    }

    /// `href="https://…"` (either quote) with a literal URL: replaced by a tracking variable, the
    /// URL (HTML entities `&amp;` undone) kept. Links built from variables (`{{…}}`) are left alone:
    /// their target differs per recipient and could not be checked against a stored list.
    static func trackLinks(in html: String) -> (source: String, links: [String]) {
        guard let pattern = try? NSRegularExpression(pattern: #"href\s*=\s*(["'])(https?://[^"'{}<>\s]+)\1"#, options: [.caseInsensitive])
        else { return (html, []) }
        let text = html as NSString
        var output = ""
        var links: [String] = []
        var last = 0
        for match in pattern.matches(in: html, range: NSRange(location: 0, length: text.length)) {
            output += text.substring(with: NSRange(location: last, length: match.range.location - last))
            let url = text.substring(with: match.range(at: 2)).replacingOccurrences(of: "&amp;", with: "&")
            output += "href=\"{{{campaign_link_\(links.count)}}}\""
            links.append(url)
            last = match.range.location + match.range.length
        }
        output += text.substring(from: last)
        return (output, links)
    }
}
