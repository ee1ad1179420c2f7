import ServiceKit

extension AnalyticsEntryPoint {
    public static var settingsHelp: String {
        PartitionSettings.help
    }
}
