-- Issue 18: a timeline line Vigie writes is kept in English too, for the
-- pages read in English; a person's own words stay as typed (empty here).
ALTER TABLE rights_events ADD COLUMN detail_en TEXT NOT NULL DEFAULT '';
