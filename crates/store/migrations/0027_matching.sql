-- Supply–demand matching (供需对接, issue 12 item 6): what firms sell (products) and what they
-- buy from outside the county (needs, with a yearly amount in whole yuan — domain::Yuan, never
-- a float), and the introductions (对接) of a need to a local supplier with their deal
-- (成交额). One introduction per need and supplier: two identical ones at once make one.
CREATE TABLE firm_products (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    name TEXT NOT NULL,
    industry_code TEXT NOT NULL,
    -- Keywords joined by 、 (domain::matching::Keywords).
    keywords TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (enterprise_id, name)
);
CREATE INDEX firm_products_region ON firm_products (region_code, industry_code);

CREATE TABLE firm_needs (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    name TEXT NOT NULL,
    industry_code TEXT NOT NULL,
    keywords TEXT NOT NULL DEFAULT '',
    -- Bought from outside the county per year, whole yuan.
    amount_yuan BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (enterprise_id, name)
);
CREATE INDEX firm_needs_region ON firm_needs (region_code, industry_code);

CREATE TABLE introductions (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    need_id BIGINT NOT NULL REFERENCES firm_needs(id),
    supplier_id BIGINT NOT NULL REFERENCES enterprises(id),
    introduced_on TEXT NOT NULL,
    introduced_by_user BIGINT REFERENCES users(id),
    introduced_by_name TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    -- 成交额 in whole yuan and its date, once.
    deal_amount_yuan BIGINT,
    deal_on TEXT,
    deal_by_name TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (need_id, supplier_id)
);
CREATE INDEX introductions_region ON introductions (region_code, introduced_on);
