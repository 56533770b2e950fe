-- id: NF-ATT-08
-- title: Attendance for an unknown enrollment
-- severity: fatal
-- group: Attendance
-- description: Attendance for an unknown enrollment.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT a.lea_id, a.campus_id, a.assoc_id, a.event_dt
FROM att_event a
LEFT JOIN stu_school_assoc s ON s.assoc_id = a.assoc_id
WHERE s.assoc_id IS NULL
