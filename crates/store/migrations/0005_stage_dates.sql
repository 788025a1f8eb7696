-- The dates a project was first signed and started, kept on the project itself so that the
-- targets fed by the pipeline are counted from one table on every page view.
ALTER TABLE projects ADD COLUMN signed_on TEXT;
ALTER TABLE projects ADD COLUMN started_on TEXT;
UPDATE projects SET signed_on = (SELECT MIN(s.on_date) FROM project_stages s WHERE s.project_id = projects.id AND s.stage = 'signed');
UPDATE projects SET started_on = (SELECT MIN(s.on_date) FROM project_stages s WHERE s.project_id = projects.id AND s.stage = 'started');
CREATE INDEX projects_signed ON projects (region_code, signed_on);
