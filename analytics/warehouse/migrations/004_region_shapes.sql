-- 004: region outlines for offline maps. Grain: one row per region and loaded batch; the
-- newest batch's outline is the current one. geometry is a GeoJSON geometry object
-- (Polygon or MultiPolygon, lon/lat in WGS 84) as text, so maps need nothing from the internet.
CREATE TABLE region_shape (
    source_id   INTEGER NOT NULL,
    region_code VARCHAR NOT NULL,
    geometry    VARCHAR NOT NULL
);
