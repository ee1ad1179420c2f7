import ServiceKit

extension InvestmentsEntryPoint {
    public static var settingsHelp: String {
        """
          PUBLIC_URL                  base of statement links in emails
                                      (http://127.0.0.1:8080)
          K1_ENCRYPTION_KEY           32+ bytes, base64, sealing K-1 files at rest
                                      (unset: a key kept in the database)
          COMPLIANCE_ALERT_SWEEP_SECONDS
                                      how often OZ fund deadlines are checked (3600)
        """ + "\n" + AccreditationSettings.help
    }
}
