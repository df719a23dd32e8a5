-- Occupied area never exceeds the park's leasable area, leasable never exceeds total, and
-- occupied + free equals leasable within 1% (or 0.05 ha for small parks).
SELECT pq.park_id, pq.quarter, 'occupied_gt_leasable' AS problem,
       pq.area_occupied_ha, pq.area_free_ha, p.leasable_area_ha
FROM park_quarter pq JOIN park p USING (park_id)
WHERE pq.area_occupied_ha > p.leasable_area_ha + 1e-9
UNION ALL
SELECT pq.park_id, pq.quarter, 'occupied_free_not_leasable',
       pq.area_occupied_ha, pq.area_free_ha, p.leasable_area_ha
FROM park_quarter pq JOIN park p USING (park_id)
WHERE abs(pq.area_occupied_ha + pq.area_free_ha - p.leasable_area_ha)
      > greatest(0.01 * p.leasable_area_ha, 0.05)
UNION ALL
SELECT park_id, NULL, 'leasable_gt_total', NULL, NULL, leasable_area_ha
FROM park WHERE leasable_area_ha > total_area_ha + 1e-9
ORDER BY 1, 2;
