-- id: NF-ATT-05
-- title: Invalid attendance category
-- severity: fatal
-- group: Attendance
-- description: Invalid attendance category.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT a.lea_id, a.campus_id, a.assoc_id, a.event_dt, a.event_cat
FROM att_event a
WHERE a.event_cat NOT IN ('IN', 'EA', 'UA', 'TD') OR a.event_cat IS NULL
