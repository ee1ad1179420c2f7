import ServiceKit

extension InvestmentsEntryPoint {
    public static var settingsHelp: String {
        """
          PUBLIC_URL                  base of statement links in emails
                                      (http://127.0.0.1:8080)
        """ + "\n" + AccreditationSettings.help
    }
}
