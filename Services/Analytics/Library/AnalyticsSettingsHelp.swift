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

        """ + PartitionSettings.help
    }
}
