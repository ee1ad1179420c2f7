import AnalyticsService
import ServiceKit

await AnalyticsEntryPoint.main()
