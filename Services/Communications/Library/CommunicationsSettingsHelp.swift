import ServiceKit

extension CommunicationsEntryPoint {
    public static var settingsHelp: String {
        """
          SMTP_HOST                   SMTP server (127.0.0.1)
          SMTP_PORT                   SMTP port (1025: the local sink)
          SMTP_SECURITY               none | starttls | tls (none)
          SMTP_USERNAME, SMTP_PASSWORD  AUTH PLAIN/LOGIN credentials (unset)
          SMTP_CA_FILE                PEM roots for the server (system roots)
          SMTP_HELO_NAME              EHLO name (MAIL_FROM's domain)
          MAIL_FROM                   sender (Tract <no-reply@tract.local>)
          SMTP_MAX_CONNECTIONS        connections kept open and reused, in parallel (4)
          RATE_LIMIT_TEAM_REQUESTS_PER_HOUR_PER_IP        team requests per client address (10)
          RATE_LIMIT_TEAM_REQUESTS_PER_DAY_PER_REQUESTER  team requests per email address or user (5)
          TEAM_MAIL_POLL_MS           how often team mails due are sent (500)
          MESSAGE_MAX_CHARACTERS      a message body's length limit (4000)
          MESSAGE_EDIT_WINDOW_SECONDS how long a sender may edit a message (900)
          MESSAGE_MAX_ATTACHMENTS     media documents per message (10)
          CONVERSATION_MAX_MEMBERS    members of a group conversation (50)
          CONNECTION_MAX_PENDING      connection requests awaiting an answer per user (100)

        """ + NotificationSettings.help + LiveSettings.help + CampaignSettings.help + WebhookSettings.help
            + WebinarSettings.help + BounceSettings.help
    }
}
