-- The last TOTP time step accepted for each account (issue 12): a code is
-- accepted once, never replayed within its window (RFC 6238 §5.2).
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
