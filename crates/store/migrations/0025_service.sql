-- Enterprise service (企业服务专员, issue 12): who the region's service managers are, every
-- (re)assignment of a firm's manager with its reason (the history the firm's file and the
-- office's coverage page read), and the visits (走访) managers pay to their firms.

CREATE TABLE service_managers (
    person_id BIGINT PRIMARY KEY REFERENCES people(id),
    region_code TEXT NOT NULL REFERENCES regions(code),
    -- The town he works in; NULL for a manager who serves the whole region.
    town_id BIGINT REFERENCES towns(id),
    active BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX service_managers_region ON service_managers (region_code, town_id);

CREATE TABLE service_assignments (
    id {{id}},
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    person_id BIGINT REFERENCES people(id),
    previous_person_id BIGINT REFERENCES people(id),
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX service_assignments_enterprise ON service_assignments (enterprise_id, id);
CREATE INDEX enterprises_service_manager ON enterprises (service_manager_id, id);

CREATE TABLE visits (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    person_id BIGINT REFERENCES people(id),
    visited_on TEXT NOT NULL,
    people_met TEXT NOT NULL,
    findings TEXT NOT NULL,
    -- The request raised in the visit, if any.
    request_id BIGINT REFERENCES requests(id),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX visits_enterprise ON visits (enterprise_id, visited_on);
CREATE INDEX visits_person ON visits (person_id, visited_on);
