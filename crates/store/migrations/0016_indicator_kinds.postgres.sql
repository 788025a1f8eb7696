-- Migration 16: an indicator is accounting, leading, supporting, a price index or the aggregate
-- (GDP); only true leading indicators are 先行 (domain::IndicatorKind). Stored 'leading' rows
-- keep their code; an operator reclassifies GDP and price indices by re-importing the catalogue.
ALTER TABLE indicators DROP CONSTRAINT indicators_kind_known;
ALTER TABLE indicators ADD CONSTRAINT indicators_kind_known CHECK (kind IN ('accounting', 'leading', 'supporting', 'price', 'aggregate'));
