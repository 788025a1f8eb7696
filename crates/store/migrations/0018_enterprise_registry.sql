-- The enterprise registry (一企一档, decision 100): what the registry knows of each firm beyond
-- its name, code and town; its former names; the tracks the editable industry mapping puts it
-- in; the history of every change; and the indexes the registry's search runs on.
ALTER TABLE enterprises ADD COLUMN legal_form TEXT NOT NULL DEFAULT '';
ALTER TABLE enterprises ADD COLUMN founded_on TEXT;
-- 万元, as the registration authority gives it.
ALTER TABLE enterprises ADD COLUMN registered_capital_wan DOUBLE PRECISION;
-- GB/T 4754-2017 four-digit class, checked against domain::industry.
ALTER TABLE enterprises ADD COLUMN industry_code TEXT;
-- The statistical survey the class puts the firm in (domain::enterprise::ScaleKind), '' for none.
ALTER TABLE enterprises ADD COLUMN scale_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE enterprises ADD COLUMN host_area_id BIGINT REFERENCES host_areas(id);
ALTER TABLE enterprises ADD COLUMN employees BIGINT;
-- Tag codes joined by ';' (domain::enterprise::Tag), read strictly.
ALTER TABLE enterprises ADD COLUMN tags TEXT NOT NULL DEFAULT '';
-- The firm's service manager (企业服务经理人), a person; assigned by issue 12.
ALTER TABLE enterprises ADD COLUMN service_manager_id BIGINT REFERENCES people(id);
ALTER TABLE enterprises ADD COLUMN created_at TEXT NOT NULL DEFAULT '';
ALTER TABLE enterprises ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';

CREATE INDEX enterprises_region_name ON enterprises (region_code, name);
CREATE INDEX enterprises_region_town ON enterprises (region_code, town_id, id);
CREATE INDEX enterprises_region_industry ON enterprises (region_code, industry_code, id);

CREATE TABLE enterprise_former_names (
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    name TEXT NOT NULL,
    until_on TEXT NOT NULL,
    PRIMARY KEY (enterprise_id, name)
);

CREATE TABLE enterprise_tracks (
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    track_id BIGINT NOT NULL REFERENCES tracks(id),
    PRIMARY KEY (enterprise_id, track_id)
);
CREATE INDEX enterprise_tracks_track ON enterprise_tracks (track_id, enterprise_id);

-- The editable mapping from industry to tracks: a class prefix (2–4 digits, '' for any) and a
-- name keyword ('' for any) put a firm in a track.
CREATE TABLE track_industry_rules (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    track_id BIGINT NOT NULL REFERENCES tracks(id),
    industry TEXT NOT NULL DEFAULT '',
    keyword TEXT NOT NULL DEFAULT '',
    UNIQUE (region_code, track_id, industry, keyword)
);

-- Every change to a firm's registry entry after it was created, field by field.
CREATE TABLE enterprise_changes (
    id {{id}},
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    source TEXT NOT NULL,
    field TEXT NOT NULL,
    before_value TEXT NOT NULL,
    after_value TEXT NOT NULL
);
CREATE INDEX enterprise_changes_enterprise ON enterprise_changes (enterprise_id, id);
