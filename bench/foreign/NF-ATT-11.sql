-- id: NF-ATT-11
-- title: Tardy listing
-- severity: info
-- group: Attendance
-- description: Tardy listing.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT a.lea_id, a.campus_id, a.assoc_id, a.event_dt, a.student_uid, a.mins_missed
FROM att_event a
WHERE a.event_cat = 'TD' AND a.mins_missed >= 30
