-- id: NF-ATT-06
-- title: Tardy minutes out of range
-- severity: warning
-- group: Attendance
-- description: Tardy minutes out of range.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT a.lea_id, a.campus_id, a.assoc_id, a.event_dt, a.mins_missed
FROM att_event a
WHERE a.event_cat = 'TD' AND (a.mins_missed IS NULL OR a.mins_missed <= 0 OR a.mins_missed > 120)
