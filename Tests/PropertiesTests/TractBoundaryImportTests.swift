import Foundation
import Models
import ServiceKit
import TestSupport
import Testing

@testable import PropertiesService

/// scripts/import-tract-boundaries.sh with a TIGER/Line-shaped shapefile (NAD83, the 2010 tract
/// columns), written by scripts/tract-shapefile.py: after the import, points are answered.
@Suite struct TractBoundaryImportTests {
    @Test func importedBoundariesAnswerChecksByPoint() async throws {
        try await PropertiesFixture.run { fixture in
            #expect(try await fixture.client.post("/v1/oz/check", #"{"lat": 32.46, "lng": -86.47}"#).status == 501)

            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tract-shapes-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let prefix = folder.appendingPathComponent("tl_2010_01_tract10").path
            let made = try await RepositoryScripts.run(
                RepositoryScripts.python,
                [
                    RepositoryScripts.root.appendingPathComponent("scripts/tract-shapefile.py").path, prefix,
                    "01001020700:-86.50,32.44,-86.45,32.48", "01001020100:-86.50,32.48,-86.45,32.52",
                ]
            )
            try #require(made.status == 0, "\(made.output)")

            let url = fixture.database.url(for: .properties)
            let databaseURL = "postgres://\(url.username):\(url.password ?? "")@\(url.host):\(url.port)/\(url.database)"
            for _ in 1...2 {  // twice: a re-import replaces, it does not duplicate
                let imported = try await RepositoryScripts.script(
                    "import-tract-boundaries.sh", [prefix + ".shp"], environment: ["DATABASE_URL": databaseURL]
                )
                #expect(imported.status == 0, "\(imported.output)")
                #expect(imported.output.contains("now holds 2 tracts"))
            }

            let designated = try await fixture.client.post("/v1/oz/check", #"{"lat": 32.46, "lng": -86.47}"#)
            #expect(designated.string("tract_geoid") == "01001020700")
            #expect(designated["designated"] == true)
            let plain = try await fixture.client.post("/v1/oz/check", #"{"lat": 32.50, "lng": -86.47}"#)
            #expect(plain.string("tract_geoid") == "01001020100")
            #expect(plain["designated"] == false)
            #expect(try await fixture.client.post("/v1/oz/check", #"{"lat": 40.0, "lng": -86.47}"#).status == 422)
        }
    }
}
