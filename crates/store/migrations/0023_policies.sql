-- Policies that find their firms (惠企政策, 免申即享, decision 145): the policy library with its
-- conditions as typed JSON (domain::policy::Conditions, read strictly: an unknown field or value
-- is corrupt data), and the pushes of a policy to firms with their cashing (兑现).
CREATE TABLE policies (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    title TEXT NOT NULL,
    issuer TEXT NOT NULL,
    -- The department that owns the policy in the platform (may edit it); NULL: the office.
    department_id BIGINT REFERENCES departments(id),
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    benefit TEXT NOT NULL,
    -- 万元 per firm, when the policy names an amount.
    amount_wan DOUBLE PRECISION,
    conditions TEXT NOT NULL,
    created_by_user BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (region_code, title)
);
CREATE INDEX policies_region ON policies (region_code, valid_from);

CREATE TABLE policy_pushes (
    id {{id}},
    policy_id BIGINT NOT NULL REFERENCES policies(id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    pushed_on TEXT NOT NULL,
    pushed_by_user BIGINT REFERENCES users(id),
    pushed_by_name TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    -- 兑现: amount in 万元 and date, once.
    cashed_amount_wan DOUBLE PRECISION,
    cashed_on TEXT,
    cashed_by_name TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (policy_id, enterprise_id)
);
CREATE INDEX policy_pushes_enterprise ON policy_pushes (enterprise_id);
