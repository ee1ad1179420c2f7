import Foundation
import Logging
import Metrics
import NIOCore
import ServiceLifecycle

#if os(Linux)
    import CMalloc
#endif

/// Hands the memory glibc's allocator holds but no longer uses back to the system, every
/// `interval`, and reports the heap's size (`tract_heap_in_use_bytes`, `tract_heap_free_bytes`).
///
/// glibc keeps an arena per thread that allocates under contention (up to eight per core) and
/// returns a freed page to the system only when it is at the top of its arena. Under steady load
/// the heap in use stays flat while what the arenas hold creeps up: in the issue-19 soak,
/// investments' heap in use was 18.6–20.5 MB from the first minute to the tenth, while what malloc
/// held rose from 19.8 to 28.6 MB, and RSS with it (+17 %, measured with `malloc_stats` every
/// 30 s). `malloc_trim(0)` releases every whole free page in every arena (`MADV_DONTNEED`), so RSS
/// follows the heap in use. It runs only when enough is free to be worth a walk of the arenas.
public struct MemoryTrim: Service {
    let interval: Duration
    let logger: Logger

    /// Free heap below this is left alone: a trim then gains less than it costs.
    static let worthTrimming = 1 << 20

    public init(interval: Duration, logger: Logger) {
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return }
            Self.trimIfWorthIt()
        }
    }

    /// One malloc arena per core unless `MALLOC_ARENA_MAX` says otherwise; called once, first thing.
    ///
    /// glibc's default is up to eight per core, one more each time threads contend for one, and
    /// each keeps its own free fragments: in the soak investments' RSS rose with what its arenas
    /// held (19.8 → 28.6 MB) while its heap in use stayed at 18.6–20.5 MB, in fragments a trim
    /// cannot give back. Fewer arenas share those fragments; with a service's threads (an event
    /// loop and a concurrency thread per core) one per core keeps the contention low.
    public static func limitArenas(environment: [String: String] = ProcessInfo.processInfo.environment) {
        #if os(Linux)
            guard environment["MALLOC_ARENA_MAX"] == nil else { return }
            mallopt(M_ARENA_MAX, Int32(max(2, System.coreCount)))
        #endif
    }

    /// Reports the heap and trims it when at least `worthTrimming` is free; returns whether it trimmed.
    @discardableResult
    public static func trimIfWorthIt() -> Bool {
        #if os(Linux)
            let heap = tract_heap_info()
            Gauge(label: "tract_heap_in_use_bytes").record(Int(heap.uordblks) + Int(heap.hblkhd))
            Gauge(label: "tract_heap_free_bytes").record(Int(heap.fordblks))
            guard Int(heap.fordblks) >= Self.worthTrimming else { return false }
            malloc_trim(0)
            return true
        #else
            return false
        #endif
    }
}
