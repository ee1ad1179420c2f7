import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Standard output for log lines, written by a thread of its own: a request appends its access-log
/// line to a buffer and goes on, and the writer hands whatever has gathered to the kernel in one
/// `write` (issue 19: a synchronous write per line under a lock was a large share of a request).
///
/// The writer wakes once per batch, not once per line: a line that finds the buffer empty wakes it,
/// and it then gathers for up to `gatherInterval` (or until `batchBytes` have arrived, or someone
/// waits for the lines) before one `write`. Waking it for every line was a futex wake and a context
/// switch per request on two cores (issue 19, `perf`). A line is out within a few milliseconds.
///
/// No line is lost: `flush()` waits until everything appended before it is written; the service
/// calls it when it stops, the process calls it on `exit`, and `critical` lines are flushed at once
/// so the last words before giving up are out. A writer that falls far behind (stdout blocked) makes
/// callers wait rather than grow the buffer without bound. One per destination for the life of the
/// process: its writer thread never ends.
final class LogOutput: @unchecked Sendable {
    /// The process's standard output, flushed when the process exits.
    static let standard = LogOutput(fileDescriptor: STDOUT_FILENO, flushesAtExit: true)

    /// Past this many bytes waiting, writers wait for the bytes before theirs to go out.
    private static let backlogLimit = 4 << 20
    /// How long the writer gathers lines after the first of a batch, and how many bytes end the wait early.
    private static let gatherInterval: TimeInterval = 0.005
    private static let batchBytes = 32 << 10
    private let fileDescriptor: Int32
    /// Guards everything below; signalled when lines arrive and when a batch is written.
    private let condition = NSCondition()
    private var buffer: [UInt8] = []
    /// Bytes appended and bytes written since the start: a flush waits for the bytes appended
    /// before it, not for an idle writer, so callers that keep logging cannot hold it up.
    private var appended = 0
    private var written = 0
    /// Callers in `waitUntilWritten`: the writer stops gathering and answers them at once.
    private var waiters = 0

    /// `flushesAtExit`: for the one standard output (`exit` runs its handler once per registration).
    init(fileDescriptor: Int32, flushesAtExit: Bool = false) {
        self.fileDescriptor = fileDescriptor
        self.buffer.reserveCapacity(64 << 10)
        let thread = Thread { self.run() }
        thread.name = "log-output"
        thread.start()
        if flushesAtExit { atexit { LogOutput.standard.flush() } }
    }

    /// Queues `line` (complete, with its newline) for writing.
    func append(_ line: [UInt8]) {
        self.condition.lock()
        let before = self.buffer.count
        self.buffer.append(contentsOf: line)
        self.appended += line.count
        // The first line of a batch wakes the writer; so does the line that fills a batch.
        if before == 0 || (before < Self.batchBytes && self.buffer.count >= Self.batchBytes) { self.condition.broadcast() }
        if self.appended - self.written > Self.backlogLimit { self.waitUntilWritten(self.appended - line.count) }
        self.condition.unlock()
    }

    /// Returns once every line appended before the call is written.
    func flush() {
        self.condition.lock()
        self.waitUntilWritten(self.appended)
        self.condition.unlock()
    }

    /// With the lock held.
    private func waitUntilWritten(_ target: Int) {
        guard self.written < target else { return }
        self.waiters += 1
        self.condition.broadcast()
        while self.written < target { self.condition.wait() }
        self.waiters -= 1
    }

    private func run() {
        var batch: [UInt8] = []
        batch.reserveCapacity(64 << 10)
        while true {
            self.condition.lock()
            while self.buffer.isEmpty { self.condition.wait() }
            let gathered = Date(timeIntervalSinceNow: Self.gatherInterval)
            while self.buffer.count < Self.batchBytes, self.waiters == 0, self.condition.wait(until: gathered) {}
            swap(&batch, &self.buffer)
            self.condition.unlock()
            self.send(batch)
            self.condition.lock()
            self.written += batch.count
            if self.waiters > 0 { self.condition.broadcast() }
            self.condition.unlock()
            batch.removeAll(keepingCapacity: true)
        }
    }

    private func send(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(self.fileDescriptor, raw.baseAddress! + offset, raw.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EINTR || errno == EAGAIN {
                    continue
                } else {
                    // Standard output is gone (closed pipe): the lines have nowhere to go.
                    return
                }
            }
        }
    }
}
