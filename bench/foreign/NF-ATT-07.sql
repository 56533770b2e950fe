-- id: NF-ATT-07
-- title: Minutes missed on a present day
-- severity: warning
-- group: Attendance
-- description: Minutes missed on a present day.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT a.lea_id, a.campus_id, a.assoc_id, a.event_dt, a.mins_missed
FROM att_event a
WHERE a.event_cat = 'IN' AND a.mins_missed > 0
