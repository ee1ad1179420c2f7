-- Issue 17, campaign throughput. The sender claims a batch of recipients in one transaction
-- (FOR NO KEY UPDATE SKIP LOCKED, held while the batch is mailed) and commits their outcomes
-- together. What must not wait for that commit is the fact that the SMTP server accepted a
-- message: it is written here, in its own short transaction, the moment the 250 arrives. A
-- process killed mid-batch rolls the claim back, and the rows whose receipt exists are then
-- marked sent, never mailed again (CampaignSender.reconcileReceipts); the rest are mailed once.
-- A receipt is deleted once its row is committed sent.
CREATE TABLE email_send_receipts (
    -- The claim is FOR NO KEY UPDATE so that this key's KEY SHARE check does not wait on it.
    send_id uuid PRIMARY KEY REFERENCES email_sends (id) ON DELETE CASCADE,
    provider_message_id varchar(255) NOT NULL,
    accepted_at timestamptz NOT NULL
);
