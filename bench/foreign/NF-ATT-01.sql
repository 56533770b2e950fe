-- id: NF-ATT-01
-- title: Duplicate attendance event
-- severity: fatal
-- group: Attendance
-- description: Duplicate attendance event.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT d.lea_id, d.campus_id, d.assoc_id, d.event_dt, d.student_uid, d.event_cat
FROM (
    SELECT a.lea_id, a.campus_id, a.assoc_id, a.event_dt, a.student_uid, a.event_cat,
           ROW_NUMBER() OVER (PARTITION BY a.assoc_id, a.event_dt ORDER BY a.event_cat, a.mins_missed) AS rn
    FROM att_event a
) d
WHERE d.rn > 1
