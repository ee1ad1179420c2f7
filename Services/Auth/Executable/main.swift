import AuthService
import ServiceKit

await AuthEntryPoint.main()
