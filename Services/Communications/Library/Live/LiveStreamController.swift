import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import NIOCore
import PostgresNIO
import ServiceKit
import ServiceLifecycle

/// `GET /v1/communications/stream`: the signed-in user's live feed as Server-Sent Events. Each
/// event's `id:` is the user's sequence number, `event:` the item's kind, `data:` its JSON payload.
/// A client resumes with `Last-Event-ID` (or `?after=`) and gets everything after that id, then
/// live items; the stream ends when the access token expires (so a revoked session stops
/// receiving with its last token), after `LIVE_MAX_STREAM_SECONDS`, or when the user opens more
/// than `LIVE_MAX_STREAMS_PER_USER` (their oldest goes), with an `end` event saying why.
struct LiveStreamController: RouteController {
    let hub: LiveHub
    let reader: LiveFeedReader
    let settings: LiveSettings
    /// What token expiry is measured against: the kit's verifier judges `exp` by the wall clock,
    /// so the stream does too (`.system`), not by the service clock a test may move ahead.
    let tokenClock: ServiceClock

    /// How long an EventSource waits before reconnecting after the stream ends.
    static let reconnectMilliseconds = 2000
    /// How long a new stream waits for this replica's listener before it goes on regardless (a
    /// replica just started); the periodic re-read covers what it would have missed.
    static let listenerWait: Duration = .seconds(2)
    static let accelBuffering = HTTPField.Name("X-Accel-Buffering")!
    static let lastEventID = HTTPField.Name("Last-Event-ID")!

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.stream)
    }

    @Sendable func stream(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let user = try context.identity.requireUser("The live stream is a signed-in user's; service clients have none.")
        let requested: Int64?
        switch ServerSentEvents.resumePoint(lastEventID: request.headers[Self.lastEventID], after: request.uri.queryParameters.get("after")) {
        case .success(let value): requested = value
        case .failure(let error):
            throw Problem.validation(field: error.field, "must be a sequence number this stream sent (a whole number, 0 or more)")
        }
        if self.hub.admits(user) == .tooManyForReplica {
            // Streams whose clients went are found at their next heartbeat: retry after one.
            throw Problem(
                .serviceUnavailable, detail: "This replica has as many live streams open as it takes; retry shortly.",
                headers: [.retryAfter: String(Int(self.settings.heartbeat.inSeconds))]
            )
        }
        let start = LiveResume.start(requested: requested, position: try await self.reader.position(of: user, logger: context.logger))
        let lifetime = self.lifetime(until: context.identity.expiresAt)
        let logger = context.logger
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream; charset=utf-8",
                .cacheControl: "no-store",
                // nginx honours this per response too, beside the gateway's proxy_buffering off.
                Self.accelBuffering: "no",
            ],
            body: ResponseBody { writer in
                try await self.run(user: user, start: start, lifetime: lifetime, writer: &writer, logger: logger)
            }
        )
    }

    /// Until the token expires or the lifetime cap, whichever is first.
    private func lifetime(until expiresAt: Date?) -> (duration: Duration, reason: String) {
        guard let expiresAt else { return (self.settings.maxLifetime, "max_lifetime") }
        let untilExpiry = Duration.milliseconds(Int64(max(0, expiresAt.timeIntervalSince(self.tokenClock.now)) * 1000))
        return untilExpiry < self.settings.maxLifetime ? (untilExpiry, "token_expired") : (self.settings.maxLifetime, "max_lifetime")
    }

    private func run(
        user: UUID,
        start: LiveResume.Start,
        lifetime: (duration: Duration, reason: String),
        writer: inout any ResponseBodyWriter,
        logger: Logger
    ) async throws {
        guard case .success(let subscription) = self.hub.open(user) else {
            // Another stream took the last place between the check and now.
            try await writer.write(ByteBuffer(string: ServerSentEvents.event(id: nil, event: "end", data: #"{"reason":"too_many_streams"}"#)))
            try await writer.finish(nil)
            return
        }
        defer { self.hub.close(subscription) }
        let clock = ContinuousClock()
        let deadline = clock.now + lifetime.duration
        let heartbeat = self.settings.heartbeat
        // Wakes the loop at each heartbeat and at the deadline.
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: min(heartbeat, max(.milliseconds(1), deadline - clock.now)))
                subscription.tick()
            }
        }
        defer { ticker.cancel() }
        for _ in 0..<Int(Self.listenerWait / .milliseconds(50)) where !self.hub.listening.isListening {
            try? await Task.sleep(for: .milliseconds(50))
        }

        var cursor = start.after
        var opening = ServerSentEvents.retry(milliseconds: Self.reconnectMilliseconds)
        if let reason = start.reset {
            opening += ServerSentEvents.event(id: cursor, event: "reset", data: Self.resetData(reason: reason, resumedAfter: cursor))
        } else {
            opening += ServerSentEvents.event(id: cursor, event: "ready", data: #"{"resumed_after":\#(cursor)}"#)
        }
        try await writer.write(ByteBuffer(string: opening))
        var lastWrite = clock.now
        // When the table was last read, and what the listener was doing then.
        var lastRead = (at: clock.now, listening: (isListening: false, epoch: -1))
        subscription.wake()

        var endReason = "shutting_down"
        try await withGracefulShutdownHandler {
            for await wake in subscription.wakes {
                if let reason = wake.end {
                    endReason = reason
                    break
                }
                if clock.now >= deadline {
                    endReason = lifetime.reason
                    break
                }
                let listening = self.hub.listening
                let mayHaveMissed = !listening.isListening || listening != lastRead.listening
                if wake.tick, !mayHaveMissed, clock.now - lastRead.at < self.settings.poll {
                    // Nothing can have been missed: just the heartbeat below.
                } else if let handed = wake.rows(after: cursor) {
                    // The listener read them for every stream of this user at once.
                    if !handed.isEmpty {
                        try await writer.write(ByteBuffer(string: Self.events(handed, cursor: &cursor)))
                        lastWrite = clock.now
                    }
                } else {
                    lastRead = (clock.now, listening)
                    do {
                        while true {
                            let rows = try await self.reader.rows(of: user, after: cursor, limit: self.settings.batchSize, logger: logger)
                            guard !rows.isEmpty else { break }
                            try await writer.write(ByteBuffer(string: Self.events(rows, cursor: &cursor)))
                            lastWrite = clock.now
                            if rows.count < self.settings.batchSize { break }
                        }
                    } catch let error as PSQLError {
                        // The database is away (a restart): keep the stream and read again at the next wake.
                        logger.debug("live stream read failed", metadata: ["error": .string(String(reflecting: error))])
                    }
                }
                if clock.now - lastWrite >= heartbeat {
                    try await writer.write(ByteBuffer(string: ServerSentEvents.comment("keep-alive")))
                    lastWrite = clock.now
                }
            }
        } onGracefulShutdown: {
            subscription.finish()
        }
        try await writer.write(ByteBuffer(string: ServerSentEvents.event(id: nil, event: "end", data: #"{"reason":"\#(endReason)"}"#)))
        try await writer.finish(nil)
    }

    /// The rows as events, moving `cursor`; a gap before a row (rows purged while this stream was
    /// behind) is announced with a `reset`.
    private static func events(_ rows: [LiveFeedReader.Row], cursor: inout Int64) -> String {
        var text = ""
        for row in rows {
            if row.seq != cursor + 1 {
                text += ServerSentEvents.event(id: row.seq - 1, event: "reset", data: Self.resetData(reason: "purged", resumedAfter: row.seq - 1))
            }
            text += ServerSentEvents.event(id: row.seq, event: row.kind, data: row.payload)
            cursor = row.seq
        }
        return text
    }

    private static func resetData(reason: String, resumedAfter: Int64) -> String {
        #"{"reason":"\#(reason)","resumed_after":\#(resumedAfter)}"#
    }
}
