import InvestmentsService
import ServiceKit

await InvestmentsEntryPoint.main()
