-- Issue 17: an activity is on the public policy only when the DPO
-- publishes it. Those complete or checked until now were shown there:
-- they stay published; drafts, shown by mistake, are not.
UPDATE activities SET body = json_set(body, '$.published', json('true'))
WHERE status IN ('complete', 'checked');
