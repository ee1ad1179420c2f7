-- Seed 000 spells the entry point `join_our_community`; auth said `join_the_community` until issue
-- 14. Clients may still send the old spelling (AuthSource.aliases), but only the new one is stored,
-- so rows written before are brought into line here.
UPDATE users SET first_auth_source = 'join_our_community' WHERE first_auth_source = 'join_the_community';
UPDATE magic_links SET source = 'join_our_community' WHERE source = 'join_the_community';
