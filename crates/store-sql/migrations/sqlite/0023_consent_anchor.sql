-- Consent records purged past their retention (C21, C35): the chain then
-- starts from the last purged record's place and hash, kept with the head.
ALTER TABLE consent_heads ADD COLUMN anchor_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE consent_heads ADD COLUMN anchor_hash TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000';
