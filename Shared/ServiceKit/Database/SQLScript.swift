import Foundation

/// Splits a SQL file into statements.
///
/// PostgresNIO speaks only the extended query protocol, which takes one statement per message, so a
/// migration file is cut at the semicolons that end statements: not those inside quotes, quoted
/// identifiers, dollar-quoted bodies (`$$ … $$`, `$fn$ … $fn$`) or comments.
public enum SQLScript {
    public static func statements(in script: String) -> [String] {
        let characters = Array(script.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var index = 0

        func flush() {
            let statement = String(current).trimmingCharacters(in: .whitespacesAndNewlines)
            if !statement.isEmpty, !Self.isOnlyComments(statement) { statements.append(statement) }
            current = String.UnicodeScalarView()
        }

        while index < characters.count {
            let character = characters[index]
            let next: Unicode.Scalar? = index + 1 < characters.count ? characters[index + 1] : nil
            switch character {
            case "'", "\"":
                // Quoted text or identifier; a doubled quote is an escaped quote.
                let quote = character
                current.append(character)
                index += 1
                while index < characters.count {
                    current.append(characters[index])
                    if characters[index] == quote {
                        if index + 1 < characters.count, characters[index + 1] == quote {
                            current.append(characters[index + 1])
                            index += 2
                            continue
                        }
                        break
                    }
                    index += 1
                }
                index += 1
            case "-" where next == "-":
                while index < characters.count, characters[index] != "\n" {
                    current.append(characters[index])
                    index += 1
                }
            case "/" where next == "*":
                var depth = 0
                while index < characters.count {
                    if characters[index] == "/", index + 1 < characters.count, characters[index + 1] == "*" {
                        depth += 1
                        current.append("/")
                        current.append("*")
                        index += 2
                    } else if characters[index] == "*", index + 1 < characters.count, characters[index + 1] == "/" {
                        depth -= 1
                        current.append("*")
                        current.append("/")
                        index += 2
                        if depth == 0 { break }
                    } else {
                        current.append(characters[index])
                        index += 1
                    }
                }
            case "$":
                if let tag = Self.dollarTag(in: characters, at: index) {
                    current.append(contentsOf: tag.unicodeScalars)
                    index += tag.unicodeScalars.count
                    let tagScalars = Array(tag.unicodeScalars)
                    while index < characters.count {
                        if characters[index] == "$", Array(characters[index..<min(characters.count, index + tagScalars.count)]) == tagScalars {
                            current.append(contentsOf: tag.unicodeScalars)
                            index += tagScalars.count
                            break
                        }
                        current.append(characters[index])
                        index += 1
                    }
                } else {
                    current.append(character)
                    index += 1
                }
            case ";":
                flush()
                index += 1
            default:
                current.append(character)
                index += 1
            }
        }
        flush()
        return statements
    }

    /// `$$` or `$tag$` starting at `index`, where a tag is an identifier (not `$1`, a parameter).
    private static func dollarTag(in characters: [Unicode.Scalar], at index: Int) -> String? {
        var end = index + 1
        while end < characters.count, characters[end] != "$" {
            let scalar = characters[end]
            let isTagCharacter = scalar == "_" || scalar.properties.isAlphabetic || (end > index + 1 && ("0"..."9").contains(scalar))
            guard isTagCharacter else { return nil }
            end += 1
        }
        guard end < characters.count else { return nil }
        return String(String.UnicodeScalarView(characters[index...end]))
    }

    private static func isOnlyComments(_ statement: String) -> Bool {
        statement.split(separator: "\n").allSatisfy {
            let line = $0.trimmingCharacters(in: .whitespaces)
            return line.isEmpty || line.hasPrefix("--")
        }
    }
}
