-- A shortfall is open until the office closes it (closed_at set). At most one shortfall per
-- region, indicator and period is open at a time: a second one is refused, and two parallel
-- creates leave one (the partial unique index below, the same in SQLite and PostgreSQL).
ALTER TABLE shortfalls ADD COLUMN closed_at TEXT;
ALTER TABLE shortfalls ADD COLUMN closed_by_name TEXT;
ALTER TABLE shortfalls ADD COLUMN close_note TEXT NOT NULL DEFAULT '';

-- Duplicates opened before this rule: the first stays open, the later ones are closed with a
-- note saying why (they and their tasks stay readable).
UPDATE shortfalls
SET closed_at = created_at,
    closed_by_name = '系统',
    close_note = '与同一地区、指标、期间的短板重复，升级时自动关闭'
WHERE id NOT IN (SELECT MIN(id) FROM shortfalls GROUP BY region_code, indicator, period);

CREATE UNIQUE INDEX shortfalls_one_open ON shortfalls (region_code, indicator, period)
    WHERE closed_at IS NULL;
