import Foundation
import Models
import Testing

/// The authorization matrix and the route table cannot drift apart (issue 18): every operation a
/// service documents has one row in docs/authorization-matrix.txt, and every row names a documented
/// operation. No processes; `scripts/authz-matrix.py --missing` proposes the rows to add.
@Suite struct AuthorizationMatrixDriftTests {
    @Test func everyDocumentedOperationHasExactlyOneRowAndEveryRowAnOperation() throws {
        let matrix = try AuthorizationMatrix.load()
        #expect(matrix.problems.isEmpty, "docs/authorization-matrix.txt:\n\(matrix.problems.joined(separator: "\n"))")
        let documented = try AuthorizationMatrix.documentedOperations()
        #expect(documented.count > 300, "read \(documented.count) operations from the documents")
        let listed = matrix.rows.map(\.operation)
        let missing = documented.subtracting(listed).sorted()
        #expect(
            missing.isEmpty,
            "documented but not in docs/authorization-matrix.txt (scripts/authz-matrix.py --missing proposes rows):\n\(missing.map(\.description).joined(separator: "\n"))"
        )
        let stale = Set(listed).subtracting(documented).sorted()
        #expect(stale.isEmpty, "rows for operations no document has:\n\(stale.map(\.description).joined(separator: "\n"))")
        let twice = Dictionary(grouping: listed, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
        #expect(twice.isEmpty, "rows given twice:\n\(twice.map(\.description).joined(separator: "\n"))")
    }

    @Test func rowsReadAsPeopleWriteThem() {
        let matrix = AuthorizationMatrix(
            text: """
                # a comment
                [investments]
                GET  /v1/portfolio          401 ok ok ok ok 403   # trailing comment
                POST /internal/v1/emails    401 403 403 403 403 ok@auth
                GET  /v1/nothing            401 ok
                PUT  /v1/x                  401 maybe ok ok ok 500
                """)
        #expect(matrix.rows.count == 2)
        #expect(matrix.rows.first?.expected[.anonymous] == .status(401))
        #expect(matrix.rows.first?.expected[.owner] == .ok)
        #expect(matrix.rows.first?.peer == AuthorizationMatrix.defaultPeer)
        #expect(matrix.rows.last?.peer == .auth)
        #expect(matrix.rows.last?.expected[.service] == .ok)
        #expect(matrix.problems.count == 3, "\(matrix.problems)")
        #expect(AuthorizationMatrix.Expectation.ok.admits(422))
        #expect(!AuthorizationMatrix.Expectation.ok.admits(404))
        #expect(!AuthorizationMatrix.Expectation.ok.admits(503))
        #expect(AuthorizationMatrix.Expectation.status(404).admits(404))
    }
}
