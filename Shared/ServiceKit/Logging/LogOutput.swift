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
/// No line is lost: `flush()` waits until everything appended is written; the service calls it when
/// it stops, the process calls it on `exit`, and lines at `error` and above are flushed at once so
/// the last words before a crash are out. A writer that falls far behind (stdout blocked) makes
/// callers wait rather than grow the buffer without bound. One per destination for the life of the
/// process: its writer thread never ends.
final class LogOutput: @unchecked Sendable {
    /// The process's standard output, flushed when the process exits.
    static let standard = LogOutput(fileDescriptor: STDOUT_FILENO, flushesAtExit: true)

    private enum State: Equatable {
        /// Nothing waiting to be written, the writer asleep.
        case idle
        /// Lines waiting for the writer.
        case pending
        /// The writer has taken a batch and is writing it.
        case writing
    }

    /// Past this many bytes waiting, writers wait for the batch to go out.
    private static let backlogLimit = 4 << 20
    private let fileDescriptor: Int32
    private let state = ConditionLock(value: State.idle)
    /// Guarded by `state`'s lock, as is `writing`.
    private var buffer: [UInt8] = []
    /// Whether the writer is between taking a batch and coming back for the next (`State.writing`).
    private var writing = false

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
        self.state.lock()
        self.buffer.append(contentsOf: line)
        let backlog = self.buffer.count
        // While the writer is busy it finds these bytes when it comes back; waking it is for `idle`.
        self.state.unlock(withValue: self.writing ? .writing : .pending)
        if backlog > Self.backlogLimit { self.flush() }
    }

    /// Returns once every line appended before the call is written.
    func flush() {
        self.state.lock(whenValue: .idle)
        self.state.unlock()
    }

    private func run() {
        var batch: [UInt8] = []
        batch.reserveCapacity(64 << 10)
        while true {
            self.state.lock(whenValue: .pending)
            swap(&batch, &self.buffer)
            self.writing = true
            self.state.unlock(withValue: .writing)
            self.send(batch)
            batch.removeAll(keepingCapacity: true)
            self.state.lock()
            self.writing = false
            self.state.unlock(withValue: self.buffer.isEmpty ? .idle : .pending)
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
