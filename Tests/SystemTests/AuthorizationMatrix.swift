import Foundation
import Models
import ServiceKit
import TestSupport

/// `docs/authorization-matrix.txt` read: for every documented operation of every service, what each
/// kind of caller gets (issue 18, "an authorization matrix generated from the route table"). Pure:
/// text in, rows out; the documents are read from the repository the way the services build them.
struct AuthorizationMatrix {
    /// Who calls. `owner` is whoever owns the resource the path names (the investor for their
    /// investment, the sponsor for their listing); on a path that names none, the signed-in investor.
    enum Principal: String, CaseIterable, Sendable {
        case anonymous
        case other = "other-user"
        case owner
        case sponsor
        case admin
        case service
    }

    /// What a caller should get. `ok` passes authorization: a success, or a 4xx that is about the
    /// request rather than the caller (400, 409, 422…), never 401, 403, 404 nor a 5xx.
    enum Expectation: Equatable, Sendable, CustomStringConvertible {
        case ok
        case status(Int)

        init?(_ text: Substring) {
            if text == "ok" {
                self = .ok
            } else if let code = Int(text), (400..<500).contains(code) {
                self = .status(code)
            } else {
                return nil
            }
        }

        func admits(_ status: Int) -> Bool {
            switch self {
            case .ok: status < 400 || (status < 500 && ![401, 403, 404].contains(status))
            case .status(let expected): status == expected
            }
        }

        var description: String {
            switch self {
            case .ok: "ok"
            case .status(let code): String(code)
            }
        }
    }

    struct Operation: Hashable, Comparable, CustomStringConvertible, Sendable {
        var service: ServiceName
        var method: String
        var path: String

        var description: String { "\(self.service.rawValue) \(self.method) \(self.path)" }

        static func < (left: Operation, right: Operation) -> Bool {
            (left.service.rawValue, left.path, left.method) < (right.service.rawValue, right.path, right.method)
        }
    }

    struct Row: Sendable {
        var operation: Operation
        var expected: [Principal: Expectation]
        /// Whose client-credentials token the `service` column presents (`ok@investments`); by
        /// default a peer with no grant on the route.
        var peer: ServiceName
        var line: Int
    }

    static let defaultPeer = ServiceName.analytics
    static let file = RepositoryScripts.root.appendingPathComponent("docs/authorization-matrix.txt")

    var rows: [Row]
    /// Lines that are not rows, with why.
    var problems: [String]

    init(text: String) {
        var rows: [Row] = []
        var problems: [String] = []
        var service: ServiceName?
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard !fields.isEmpty else { continue }
            if fields.count == 1, fields[0].hasPrefix("["), fields[0].hasSuffix("]") {
                service = ServiceName(rawValue: String(fields[0].dropFirst().dropLast()))
                if service == nil { problems.append("line \(index + 1): no service \(fields[0])") }
                continue
            }
            guard let service else {
                problems.append("line \(index + 1): a row before any [service] heading")
                continue
            }
            let columns = Principal.allCases
            guard fields.count == 2 + columns.count else {
                problems.append("line \(index + 1): \(fields.count) fields, expected METHOD PATH and \(columns.count) outcomes")
                continue
            }
            var expected: [Principal: Expectation] = [:]
            var peer = Self.defaultPeer
            let known = problems.count
            for (principal, cell) in zip(columns, fields.dropFirst(2)) {
                var cell = cell
                if principal == .service, let at = cell.firstIndex(of: "@") {
                    guard let named = ServiceName(rawValue: String(cell[cell.index(after: at)...])) else {
                        problems.append("line \(index + 1): no service \(cell)")
                        continue
                    }
                    peer = named
                    cell = cell[..<at]
                }
                guard let expectation = Expectation(cell) else {
                    problems.append("line \(index + 1): \(principal.rawValue) \"\(cell)\" is neither ok nor a 4xx status")
                    continue
                }
                expected[principal] = expectation
            }
            guard problems.count == known else { continue }
            let operation = Operation(service: service, method: String(fields[0]), path: String(fields[1]))
            rows.append(Row(operation: operation, expected: expected, peer: peer, line: index + 1))
        }
        self.rows = rows
        self.problems = problems
    }

    static func load() throws -> AuthorizationMatrix {
        AuthorizationMatrix(text: try String(contentsOf: Self.file, encoding: .utf8))
    }

    /// Every operation the services document, from the same files and the same merge as the
    /// services' `/openapi.json` (`OpenAPIDocument.build`).
    static func documentedOperations() throws -> Set<Operation> {
        var operations: Set<Operation> = []
        for service in ServiceName.allCases {
            let folder = RepositoryScripts.root.appendingPathComponent("Services/\(service.folder)/Library/Resources")
            let document = try OpenAPIDocument.build(service: Bundle(path: folder.path))
            guard case .object(let paths)? = document["paths"] else { continue }
            for (path, item) in paths {
                for method in ["get", "put", "post", "patch", "delete"] where item[method] != nil {
                    operations.insert(Operation(service: service, method: method.uppercased(), path: path))
                }
            }
        }
        return operations
    }
}

extension ServiceName {
    /// The folder under Services/ (Package.swift's names).
    var folder: String { self.rawValue.prefix(1).uppercased() + self.rawValue.dropFirst() }
}
