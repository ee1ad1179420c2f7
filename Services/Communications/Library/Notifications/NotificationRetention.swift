import ServiceKit

/// What the kit's retention purge deletes of notifications: read or deleted notifications (their
/// deliveries go with them), and finished deliveries and digests, once older than
/// `NOTIFICATION_RETENTION_DAYS`. Unread notifications and mail still to send are never purged.
enum NotificationRetention {
    static func targets(_ retention: Duration) -> [PurgeTarget] {
        [
            PurgeTarget(
                table: "communications.notifications", timeColumn: "coalesce(deleted_at, read_at)",
                alsoRequires: "read_at IS NOT NULL OR deleted_at IS NOT NULL", retention: retention),
            PurgeTarget(
                table: "communications.notification_deliveries", timeColumn: "updated_at",
                alsoRequires: "status IN ('sent', 'skipped', 'failed', 'bundled')", retention: retention),
            PurgeTarget(
                table: "communications.notification_digests", timeColumn: "updated_at", alsoRequires: "status <> 'pending'",
                retention: retention),
        ]
    }
}
