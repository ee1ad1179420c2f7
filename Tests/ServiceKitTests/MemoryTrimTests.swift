import Foundation
import Glibc
import ServiceKit
import Testing

/// Issue 19, the soak: memory the heap no longer uses goes back to the system, so a service's RSS
/// follows its heap in use rather than the most its allocator ever held.
@Suite struct MemoryTrimTests {
    /// The process's anonymous resident memory (the heap's pages, not the executable's).
    static func residentAnonymousBytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("RssAnon:") })
        let kilobytes = try #require(line.split(separator: " ").dropFirst().first.flatMap { Int($0) })
        return kilobytes * 1024
    }

    @Test func freedHeapIsHandedBackToTheSystem() throws {
        // 64 MB in 16 KB blocks (below the mmap threshold, so they come from an arena), each page
        // touched; every other one is freed, so the holes cannot merge into the arena's top and
        // shrink it on their own. That held-but-unused memory is what the soak saw grow.
        let blockSize = 16 << 10
        let blocks = (0..<4096).map { _ -> UnsafeMutableRawPointer in
            let block = malloc(blockSize)!
            memset(block, 0xA5, blockSize)
            return block
        }
        for (index, block) in blocks.enumerated() where index.isMultiple(of: 2) { free(block) }
        defer { for (index, block) in blocks.enumerated() where !index.isMultiple(of: 2) { free(block) } }

        let held = try Self.residentAnonymousBytes()
        #expect(MemoryTrim.trimIfWorthIt(), "32 MB free is worth a trim")
        let released = held - (try Self.residentAnonymousBytes())
        #expect(released >= 16 << 20, "RSS fell by \(released >> 20) MB after freeing 32 MB in 16 KB holes and trimming")
    }
}
