import CommunicationsService
import ServiceKit

await CommunicationsEntryPoint.main()
