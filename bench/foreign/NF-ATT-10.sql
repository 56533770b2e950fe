-- id: NF-ATT-10
-- title: Enrollment without any attendance
-- severity: warning
-- group: Attendance
-- description: Enrollment without any attendance.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT s.lea_id, s.campus_id, s.assoc_id, s.student_uid, s.entry_dt
FROM stu_school_assoc s
WHERE NOT EXISTS (SELECT 1 FROM att_event a WHERE a.assoc_id = s.assoc_id)
