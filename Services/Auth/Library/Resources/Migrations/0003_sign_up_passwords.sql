-- Account pre-hijacking (issue 11, item 2): a sign-up's password is held with its verification
-- token and becomes the account's password only when that token is spent, so the address's owner
-- verifies their own sign-up's password, never an earlier stranger's. NULL for tokens issued before
-- this column existed (they keep the password on the account).
ALTER TABLE email_tokens ADD COLUMN password_hash text;

