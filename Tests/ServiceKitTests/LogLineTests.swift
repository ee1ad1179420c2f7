import Foundation
import Logging
import Models
import NIOConcurrencyHelpers
import Testing

@testable import ServiceKit

/// The access log is read by shippers and by the system tests: the line built byte by byte must be
/// exactly what `JSONEncoder` (sorted keys, unescaped slashes) made of the same fields before.
@Suite struct LogLineTests {
    /// What the handler wrote before issue 19: the fields as a `[String: JSONValue]`, encoded.
    static func encoded(_ fields: [String: JSONValue]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(JSONValue.object(fields)), as: UTF8.self) + "\n"
    }

    static func built(_ line: JSONLogLine) -> String {
        var bytes: [UInt8] = []
        line.write(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func anAccessLogLineIsTheEncodersByteForByte() throws {
        var line = JSONLogLine(
            timestamp: 1_796_601_600_123_456, level: .info, service: "investments", logger: "tract.investments", message: "request")
        line.set("request_id", .string("0190c1a0-0000-7000-8000-000000000001"))
        line.set("method", .string("GET"))
        line.set("route", .string("/v1/investments/{id}"))
        line.set("status", .stringConvertible(200))
        line.set("duration_ms", .string("0.412"))
        line.set("trace_id", .string("4bf92f3577b34da6a3ce929d0e0e4736"))
        line.set("span_id", .string("00f067aa0ba902b7"))
        let expected = try Self.encoded([
            "ts": .string("2026-12-07T00:00:00.123456Z"), "level": .string("info"), "service": .string("investments"),
            "logger": .string("tract.investments"), "message": .string("request"),
            "request_id": .string("0190c1a0-0000-7000-8000-000000000001"), "method": .string("GET"),
            "route": .string("/v1/investments/{id}"), "status": .string("200"), "duration_ms": .string("0.412"),
            "trace_id": .string("4bf92f3577b34da6a3ce929d0e0e4736"), "span_id": .string("00f067aa0ba902b7"),
        ])
        #expect(Self.built(line) == expected)
    }

    @Test func everyCharacterIsEscapedAsTheEncoderEscapesIt() throws {
        var text = String((0..<0x80).map { Character(Unicode.Scalar(UInt8($0))) })
        text += "é\u{2028}😀 /path\\ \"quoted\""
        var line = JSONLogLine(timestamp: 0, level: .error, service: "auth", logger: "tract.auth", message: text)
        line.set("error", .string("Problem(status: 500, detail: \"a\tb\")"))
        line.set("nested", .dictionary(["b": .array([.string("x"), .stringConvertible(3)]), "a": .dictionary(["z": .string("\n")])]))
        let expected = try Self.encoded([
            "ts": .string("1970-01-01T00:00:00.000000Z"), "level": .string("error"), "service": .string("auth"),
            "logger": .string("tract.auth"), "message": .string(text), "error": .string("Problem(status: 500, detail: \"a\tb\")"),
            "nested": .object(["b": .array([.string("x"), .string("3")]), "a": .object(["z": .string("\n")])]),
        ])
        #expect(Self.built(line) == expected)
    }

    @Test func metadataReplacesAFieldOfTheSameName() throws {
        var line = JSONLogLine(timestamp: 0, level: .info, service: "auth", logger: "tract.auth", message: "first")
        line.set("message", .string("second"))
        line.set("subject", .string("a"))
        line.set("subject", .string("b"))
        #expect(
            Self.built(line)
                == #"{"level":"info","logger":"tract.auth","message":"second","service":"auth","subject":"b","ts":"1970-01-01T00:00:00.000000Z"}"#
                + "\n")
    }

    @Test(arguments: [
        Int64(0), 1, 999_999, 1_000_000, 86_399_999_999, 86_400_000_000, 951_782_400_000_001, 1_796_601_600_123_456,
        4_102_444_799_999_999, 253_402_300_800_000_000, -1, -86_400_000_001,
    ])
    func timestampsAreRFC3339sToTheMicrosecond(micros: Int64) {
        let date = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
        #expect(JSONLogLine.rfc3339(micros) == RFC3339.string(from: date))
    }

    @Test func handlerFieldNamesAreSnakeCase() {
        #expect(JSONLogHandler.fieldName("hb.request.id") == "request_id")
        #expect(JSONLogHandler.fieldName("db.statement") == "db_statement")
        #expect(JSONLogHandler.fieldName("subject") == "subject")
    }

    @Test(arguments: [0, 1, 499, 500, 999_499, 999_500, 12_345_678, 3_000_000_000_000])
    func durationsPrintAsThreeDecimalMilliseconds(nanoseconds: Int64) {
        let duration = Duration.nanoseconds(nanoseconds)
        let milliseconds = Double(nanoseconds) / 1_000_000
        // Away from the halfway points, where binary doubles and exact decimals may round apart.
        if nanoseconds % 1000 != 500 {
            #expect(duration.millisecondsText == String(format: "%.3f", milliseconds))
        }
        #expect(Double(duration.millisecondsText)! == (milliseconds * 1000).rounded(.toNearestOrAwayFromZero) / 1000)
    }

    @Test func newTraceIDsAreLowercaseHexOfTheirLength() {
        let traces = (0..<100).map { _ in TraceParent.random() }
        for trace in traces {
            #expect(TraceParent(header: trace.description) == trace)
        }
        #expect(Set(traces.map(\.traceID)).count == 100)
        #expect(Set(traces.map(\.spanID)).count == 100)
    }
}

/// Log lines leave through a writer thread: what was appended is out, in order, once `flush` returns.
@Suite struct LogOutputTests {
    @Test func flushReturnsOnceEveryLineIsWrittenInOrder() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let output = LogOutput(fileDescriptor: ends[1])
        // Fewer bytes than a pipe holds, so the writer never waits for this test to read.
        let lines = (0..<1000).map { "line \($0) " + String(repeating: "x", count: $0 % 40) + "\n" }
        DispatchQueue.concurrentPerform(iterations: 4) { part in
            // Four writers at once; each one's lines keep their order.
            for index in stride(from: part, to: lines.count, by: 4) { output.append(Array(lines[index].utf8)) }
        }
        output.flush()
        close(ends[1])
        let read = FileHandle(fileDescriptor: ends[0]).readDataToEndOfFile()
        let written = String(decoding: read, as: UTF8.self).split(separator: "\n").map { String($0) + "\n" }
        #expect(written.count == lines.count)
        #expect(Set(written) == Set(lines))
        for part in 0..<4 {
            let mine = written.filter { line in Int(line.split(separator: " ")[1])! % 4 == part }
            #expect(mine == stride(from: part, to: lines.count, by: 4).map { lines[$0] })
        }
    }

    @Test func flushDoesNotWaitForLinesAppendedAfterIt() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let output = LogOutput(fileDescriptor: ends[1])
        // The reader drains the pipe, so only the flush's own rule can hold it up.
        let readEnd = ends[0]
        let reader = Thread {
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while read(readEnd, &chunk, chunk.count) > 0 {}
        }
        reader.start()
        let stop = NIOLockedValueBox(false)
        let appender = Thread {
            let line = Array("a line that keeps coming\n".utf8)
            while !stop.withLockedValue({ $0 }) { output.append(line) }
        }
        appender.start()
        defer {
            stop.withLockedValue { $0 = true }
            close(ends[1])
        }
        // Under a steady stream of lines from another thread, each flush waits only for what was
        // appended before it (an "until the writer is idle" rule could wait as long as the stream).
        for _ in 0..<20 {
            let started = ContinuousClock.now
            output.flush()
            #expect(ContinuousClock.now - started < .seconds(1))
        }
    }
}
