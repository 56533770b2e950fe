-- id: NF-ATT-09
-- title: Chronic absence listing
-- severity: info
-- group: Attendance
-- description: Chronic absence listing.
-- resolution: Correct the record in the LEA's system, then re-run.
-- keys: assoc_id
SELECT a.lea_id, a.campus_id, a.assoc_id, COUNT(*) AS days_recorded,
       SUM(CASE WHEN a.event_cat IN ('EA', 'UA') THEN 1 ELSE 0 END) AS days_absent
FROM att_event a
GROUP BY a.lea_id, a.campus_id, a.assoc_id
HAVING SUM(CASE WHEN a.event_cat IN ('EA', 'UA') THEN 1 ELSE 0 END) * 10 >= COUNT(*)
