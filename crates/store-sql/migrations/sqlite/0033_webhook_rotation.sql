-- Issue 20: a webhook's secret rotated with an overlap; the previous one
-- still signs (beside the new) until `previous_until`, so a receiver
-- switches without losing a call.
ALTER TABLE webhooks ADD COLUMN previous_secret_sealed BLOB;
ALTER TABLE webhooks ADD COLUMN previous_until INTEGER;
