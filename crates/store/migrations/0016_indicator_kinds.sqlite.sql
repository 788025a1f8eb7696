-- Migration 16: an indicator is accounting, leading, supporting, a price index or the aggregate
-- (GDP); only true leading indicators are 先行 (domain::IndicatorKind). Stored 'leading' rows
-- keep their code; an operator reclassifies GDP and price indices by re-importing the catalogue.
DROP TRIGGER indicators_kind_known_insert;
DROP TRIGGER indicators_kind_known_update;
CREATE TRIGGER indicators_kind_known_insert BEFORE INSERT ON indicators
WHEN NEW.kind NOT IN ('accounting', 'leading', 'supporting', 'price', 'aggregate')
BEGIN SELECT RAISE(ABORT, 'indicators.kind: unknown code'); END;
CREATE TRIGGER indicators_kind_known_update BEFORE UPDATE OF kind ON indicators
WHEN NEW.kind NOT IN ('accounting', 'leading', 'supporting', 'price', 'aggregate')
BEGIN SELECT RAISE(ABORT, 'indicators.kind: unknown code'); END;
