import ServiceKit

extension AnalyticsEntryPoint {
    public static var settingsHelp: String {
        """
          METRICS_ROLLUP_DAYS             days (today included) each scheduled metrics rollup recomputes (3)
          METRICS_ROLLUP_INTERVAL_SECONDS seconds between metrics rollups (300)
          SEGMENT_REFRESH_SECONDS         seconds between segment refreshes (3600)
        """
    }
}
