import ServiceKit

/// What `analytics` reads beyond the kit's settings; README "Configuration" says more.
extension AnalyticsEntryPoint {
    public static var settingsHelp: String {
        """
          ANALYTICS_MAX_EVENT_AGE_DAYS
                                      client events older than this are refused (7)
          RATE_LIMIT_ANALYTICS_PER_MIN_PER_IP
                                      event requests per minute from one address
                                      without a signed-in user (600)
          METRICS_ROLLUP_DAYS         days (today included) each scheduled metrics rollup recomputes (3)
          METRICS_ROLLUP_INTERVAL_SECONDS
                                      seconds between metrics rollups (300)
          SEGMENT_REFRESH_SECONDS     seconds between segment refreshes (3600)

        """ + PartitionSettings.help
    }
}
