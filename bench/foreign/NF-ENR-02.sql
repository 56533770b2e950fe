-- id: NF-ENR-02
-- title: Overlapping primary enrollments
-- severity: fatal
-- group: Enrollment
-- description: Overlapping primary enrollments.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT DISTINCT a.lea_id, a.campus_id, a.assoc_id, a.student_uid, a.entry_dt, a.exit_dt
FROM stu_school_assoc a
JOIN stu_school_assoc b ON b.student_uid = a.student_uid AND b.assoc_id <> a.assoc_id
WHERE a.primary_flag = 1 AND b.primary_flag = 1
  AND a.entry_dt <= ISNULL(b.exit_dt, '9999-12-31') AND b.entry_dt <= ISNULL(a.exit_dt, '9999-12-31')
