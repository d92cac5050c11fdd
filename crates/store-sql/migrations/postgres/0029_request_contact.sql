-- Issue 18: how a request reaches the person beyond an email address — a
-- postal address, a representative with the proof of mandate, how the
-- answer goes (JSON, `vigie_domain::rights::Contact`).
ALTER TABLE rights_requests ADD COLUMN contact TEXT NOT NULL DEFAULT '{}';
