import ServiceKit

/// communications' tables that hold rows about a user, for the data export (`PersonalDataTable`):
/// mail sent to them, notifications, preferences, messages and connections, team requests,
/// community, subscriptions, webinar registrations, and what sponsors and staff made (webhooks,
/// campaigns, webinars). Webhook signing secrets are left out. Rows keyed by an address alone
/// (suppressions, bounces) are not the user's record. `CommunicationsPersonalDataTests` holds this
/// list to the schema. Account deletion deletes the user's rows; conversations, campaigns and
/// webinars other people take part in stay under the request's anonymous id.
enum CommunicationsPersonalData {
    static let tables: [PersonalDataTable] = [
        PersonalDataTable("communications.email_sends", [.id("recipient_id"), .email("to_email")]),
        PersonalDataTable("communications.notifications", "user_id"),
        PersonalDataTable("communications.notification_deliveries", "user_id"),
        PersonalDataTable("communications.notification_digests", "user_id"),
        PersonalDataTable("communications.property_investors", "investor_id"),
        PersonalDataTable("communications.notification_preferences", "user_id"),
        PersonalDataTable("communications.notification_quiet_hours", "user_id"),
        PersonalDataTable("communications.unsubscribes", "user_id"),
        PersonalDataTable("communications.live_heads", "user_id"),
        PersonalDataTable("communications.live_items", "user_id"),
        PersonalDataTable("communications.conversations", "created_by", erasure: .anonymise(clearing: [])),
        PersonalDataTable("communications.conversation_members", "user_id"),
        PersonalDataTable("communications.messages", "sender_id"),
        PersonalDataTable("communications.connections", "requester_id", "addressee_id"),
        PersonalDataTable("communications.blocks", "blocker_id"),
        PersonalDataTable("communications.team_requests", "user_id"),
        PersonalDataTable("communications.team_request_mails", "to_user"),
        PersonalDataTable("communications.community_members", "user_id"),
        PersonalDataTable("communications.email_subscriptions", "user_id"),
        PersonalDataTable("communications.email_campaigns", "created_by", erasure: .anonymise(clearing: [])),
        PersonalDataTable("communications.email_campaign_members", "user_id"),
        PersonalDataTable("communications.webhook_endpoints", "owner_id", omitting: ["secret_sealed", "previous_secret_sealed"]),
        PersonalDataTable("communications.webhook_events", "sponsor_id"),
        PersonalDataTable("communications.events", "host_id", erasure: .anonymise(clearing: [])),
        PersonalDataTable("communications.event_registrations", "user_id"),
    ]
}
