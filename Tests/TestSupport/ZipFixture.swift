import Foundation

/// ZIP archives made by Python's `zipfile` (an independent writer, as a sponsor's tools would be),
/// for tests of code that reads them.
public enum ZipFixture {
    public struct File: Sendable {
        public var name: String
        public var contents: [UInt8]
        /// Deflate (method 8) or store (method 0).
        public var deflated: Bool

        public init(_ name: String, _ contents: [UInt8], deflated: Bool = true) {
            self.name = name
            self.contents = contents
            self.deflated = deflated
        }
    }

    public static func make(_ files: [File]) throws -> [UInt8] {
        let python = ProcessInfo.processInfo.environment["TRACT_PYTHON"] ?? "/usr/bin/python3"
        let script = """
            import base64, io, json, sys, zipfile
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w") as archive:
                for f in json.load(sys.stdin):
                    method = zipfile.ZIP_DEFLATED if f["deflated"] else zipfile.ZIP_STORED
                    archive.writestr(zipfile.ZipInfo(f["name"], (2025, 3, 1, 12, 0, 0)), base64.b64decode(f["contents"]), compress_type=method)
            sys.stdout.buffer.write(out.getvalue())
            """
        let request = try JSONSerialization.data(
            withJSONObject: files.map { ["name": $0.name, "contents": Data($0.contents).base64EncodedString(), "deflated": $0.deflated] })
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(request)
        try input.fileHandleForWriting.close()
        let archive = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ZipFixtureFailed() }
        return Array(archive)
    }
}

struct ZipFixtureFailed: Error {}
