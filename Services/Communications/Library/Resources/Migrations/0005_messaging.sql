-- Seed 001 §2.2 users.conversations, users.messages and users.connections, in communications'
-- schema (ARCHITECTURE.md: one schema per service; user ids are plain uuid columns).
--
-- Where this departs from the seed, and why:
-- * Members are rows (conversation_members), not a `participants uuid[]`: a member's read position,
--   role and leaving are per member, and "my conversations" is an index lookup.
-- * Messages carry a per-conversation sequence number given out under the conversation's row lock
--   (`last_seq`), so they are gapless and commit-ordered within a conversation; a member's unread
--   count is the others' live messages after the member's `last_read_seq`, exact however many
--   people post at once. `recipient_id`/`read_at` per message (the seed's) cannot describe groups.
-- * A connection is one row per pair (either direction), and blocks are their own table: each side
--   may block the other, and lifting a block does not bring a connection back.

CREATE TABLE conversations (
    id uuid PRIMARY KEY,
    kind varchar(20) NOT NULL CHECK (kind IN ('direct', 'group', 'sponsor', 'team')),
    name varchar(200),
    created_by uuid,
    -- A direct conversation's two users, smaller id first: one conversation per pair.
    pair_low uuid,
    pair_high uuid,
    -- A sponsor conversation's property ("ask the sponsor"): one per investor and property.
    property_id uuid,
    last_seq bigint NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    last_message_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK ((kind = 'direct') = (pair_low IS NOT NULL AND pair_high IS NOT NULL)),
    CHECK (pair_low IS NULL OR pair_low < pair_high),
    CHECK ((kind = 'sponsor') = (property_id IS NOT NULL))
);

CREATE UNIQUE INDEX conversations_direct_pair ON conversations (pair_low, pair_high) WHERE kind = 'direct';
CREATE UNIQUE INDEX conversations_sponsor_asker ON conversations (property_id, created_by) WHERE kind = 'sponsor';

CREATE TABLE conversation_members (
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id uuid NOT NULL,
    role varchar(20) NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'member', 'sponsor')),
    joined_at timestamptz NOT NULL,
    -- A member who left keeps the row (their messages still name them) but sees nothing more.
    left_at timestamptz,
    -- Read receipts: the last message this member has read, by sequence number.
    last_read_seq bigint NOT NULL DEFAULT 0 CHECK (last_read_seq >= 0),
    last_read_at timestamptz,
    PRIMARY KEY (conversation_id, user_id)
);

-- "My conversations", most recent first.
CREATE INDEX conversation_members_user ON conversation_members (user_id, conversation_id) WHERE left_at IS NULL;

CREATE TABLE messages (
    id uuid PRIMARY KEY,
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq bigint NOT NULL CHECK (seq > 0),
    -- NULL: the Tract team (staff answers in a team conversation, shown as "Tract team").
    sender_id uuid,
    -- Plain text, never rendered as HTML; NULL once deleted (the tombstone keeps its place).
    body text,
    -- Media documents by id, shown to members only.
    attachments uuid[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL,
    edited_at timestamptz,
    deleted_at timestamptz,
    UNIQUE (conversation_id, seq),
    CHECK ((deleted_at IS NULL) = (body IS NOT NULL))
);

CREATE TABLE connections (
    id uuid PRIMARY KEY,
    requester_id uuid NOT NULL,
    addressee_id uuid NOT NULL,
    status varchar(20) NOT NULL CHECK (status IN ('pending', 'accepted', 'declined')),
    note text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    responded_at timestamptz,
    -- A request the addressee never sees: it was sent by someone the addressee blocks. The sender
    -- sees it pending like any other, so a block is not revealed to the blocked.
    hidden boolean NOT NULL DEFAULT false,
    CHECK (requester_id <> addressee_id)
);

-- One connection per pair, whichever of the two asked.
CREATE UNIQUE INDEX connections_pair ON connections (least(requester_id, addressee_id), greatest(requester_id, addressee_id));
CREATE INDEX connections_requester ON connections (requester_id, status);
CREATE INDEX connections_addressee ON connections (addressee_id, status);

CREATE TABLE blocks (
    blocker_id uuid NOT NULL,
    blocked_id uuid NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id),
    CHECK (blocker_id <> blocked_id)
);

CREATE INDEX blocks_blocked ON blocks (blocked_id);
