-- The official working-day calendar's imported years (the program ships 2025 and 2026; each
-- later year's notice is imported when the State Council publishes it). An imported year
-- replaces the shipped arrangement of that year as a whole.
CREATE TABLE calendar_days (
    day TEXT PRIMARY KEY,
    year INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE INDEX calendar_days_year ON calendar_days (year);
