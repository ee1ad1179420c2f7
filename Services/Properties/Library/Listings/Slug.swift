import Foundation

/// URL slugs from property names: lowercase ASCII letters and digits joined by single hyphens,
/// at most 80 characters, e.g. "The Elm — 24 Units!" → `the-elm-24-units`.
enum Slug {
    static func make(from name: String) -> String {
        // Letters with accents fold to their base letter first ("Café" → "cafe").
        let folded = name.applyingTransform(.stripDiacritics, reverse: false) ?? name
        var words: [String] = []
        var current = ""
        for scalar in folded.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        var slug = ""
        for word in words {
            let candidate = slug.isEmpty ? word : slug + "-" + word
            guard candidate.count <= 80 else { break }
            slug = candidate
        }
        return slug.isEmpty ? "property" : slug
    }
}
