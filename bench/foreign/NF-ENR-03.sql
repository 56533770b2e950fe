-- id: NF-ENR-03
-- title: Duplicate enrollment
-- severity: fatal
-- group: Enrollment
-- description: Duplicate enrollment.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT x.lea_id, x.campus_id, x.assoc_id, x.student_uid, x.entry_dt
FROM (
    SELECT s.lea_id, s.campus_id, s.assoc_id, s.student_uid, s.entry_dt,
           RANK() OVER (PARTITION BY s.student_uid, s.campus_id, s.entry_dt ORDER BY s.assoc_id) AS rnk
    FROM stu_school_assoc s
) x
WHERE x.rnk > 1
