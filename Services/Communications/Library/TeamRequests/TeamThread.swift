/// A team request's thread: its conversation's messages (the requester's, and the team's answers,
/// whose sender is nil), oldest first, as SQL over the conversation id. Deleted messages keep their
/// place with no body, as everywhere in messaging.
enum TeamThread {
    /// The newest this many are shown; a request that needs more has become a conversation of its own.
    static let maximumMessages = 200

    /// A `jsonb` array expression; `conversation` is SQL from code naming the conversation's id.
    static func sql(conversation: String) -> String {
        """
        (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'id', m.id, 'seq', m.seq, 'sender_id', m.sender_id, 'from', CASE WHEN m.sender_id IS NULL THEN 'team' ELSE 'member' END,
                'body', m.body, 'created_at', communications.rfc3339(m.created_at), 'edited_at', communications.rfc3339(m.edited_at),
                'deleted_at', communications.rfc3339(m.deleted_at)) ORDER BY m.seq), '[]'::jsonb)
         FROM (SELECT * FROM communications.messages WHERE conversation_id = \(conversation)
               ORDER BY seq DESC LIMIT \(Self.maximumMessages)) m)
        """
    }
}
