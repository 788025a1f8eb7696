-- The registry's search at a province's scale (decisions 129–130): the name index (each
-- bigram of the region's firm names and former names with the ids of the firms holding it, as
-- one delta-encoded list, see store::name_index), how far each region's index reaches, and a
-- partial index for the above-scale filter (few firms are above scale; the rest never enter it)
-- and the region's firms in id order.
CREATE TABLE enterprise_name_grams (
    region_code TEXT NOT NULL REFERENCES regions(code),
    gram TEXT NOT NULL,
    ids {{blob}} NOT NULL,
    PRIMARY KEY (region_code, gram)
);

CREATE TABLE enterprise_name_index (
    region_code TEXT PRIMARY KEY REFERENCES regions(code),
    indexed_to BIGINT NOT NULL
);

CREATE INDEX enterprises_region_above ON enterprises (region_code, id) WHERE above_scale = 1;

-- A region's firms in id order: a page of an unselective filter (a tag, a scale kind, a common
-- name) stops after its first rows instead of sorting the whole region by id.
CREATE INDEX enterprises_region_id ON enterprises (region_code, id);
