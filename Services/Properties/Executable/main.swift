import PropertiesService
import ServiceKit

await PropertiesEntryPoint.main()
