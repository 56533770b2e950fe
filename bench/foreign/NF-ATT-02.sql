-- id: NF-ATT-02
-- title: Attendance outside the enrollment span
-- severity: fatal
-- group: Attendance
-- description: Attendance outside the enrollment span.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT a.lea_id, a.campus_id, a.assoc_id, a.event_dt, s.entry_dt, s.exit_dt
FROM att_event a
INNER JOIN stu_school_assoc s ON s.assoc_id = a.assoc_id
WHERE a.event_dt < s.entry_dt OR a.event_dt > ISNULL(s.exit_dt, '9999-12-31')
