-- No dialect-specific objects in this migration.
SELECT 1;
