-- The 项目库 at scale (decision 66): lists of a region's projects are filtered, sorted and
-- paged in SQL. These indexes serve the default order (longest idle first) per region, per
-- stage (board columns) and per town (a town user's read scope, the town filter), and the
-- track filter.
CREATE INDEX projects_region_idle ON projects (region_code, last_activity_at, id);
CREATE INDEX projects_region_stage_idle ON projects (region_code, stage, last_activity_at, id);
CREATE INDEX projects_town_idle ON projects (town_id, last_activity_at, id);
CREATE INDEX projects_track_idle ON projects (track_id, last_activity_at, id);
CREATE INDEX projects_region_investment ON projects (region_code, total_investment);
