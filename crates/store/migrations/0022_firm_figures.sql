-- Firms' monthly figures (重点企业运行监测, decision 140): year-to-date values per firm and
-- period as the 联网直报 gives them. Amounts are stored exactly, in 元 (万元 × 10,000), so the
-- contributions to a panel's growth add up without binary rounding; electricity in kWh.
CREATE TABLE firm_figures (
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    -- YYYY-MM: January through this month.
    period TEXT NOT NULL,
    output_value_yuan BIGINT,
    revenue_yuan BIGINT,
    electricity_kwh BIGINT,
    tax_yuan BIGINT,
    employees BIGINT,
    -- The same months of last year, where the bureau gives them.
    output_value_last_year_yuan BIGINT,
    revenue_last_year_yuan BIGINT,
    source TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (enterprise_id, period)
);
CREATE INDEX firm_figures_period ON firm_figures (period, enterprise_id);

-- The firms a shortfall was opened with (找位置 → 开短板 from the firms that pulled the
-- indicator down), with the contribution they had when it was opened, in hundredths of a 百分点.
CREATE TABLE shortfall_enterprises (
    shortfall_id BIGINT NOT NULL REFERENCES shortfalls(id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    contribution_pp_e2 BIGINT,
    PRIMARY KEY (shortfall_id, enterprise_id)
);
