-- id: NF-ENR-07
-- title: Latest enrollment says graduated below grade 12
-- severity: fatal
-- group: Enrollment
-- description: Latest enrollment says graduated below grade 12.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT l.lea_id, l.campus_id, l.assoc_id, l.student_uid, l.grade_lvl, l.exit_reason
FROM (
    SELECT s.lea_id, s.campus_id, s.assoc_id, s.student_uid, s.grade_lvl, s.exit_reason,
           ROW_NUMBER() OVER (PARTITION BY s.student_uid ORDER BY s.entry_dt DESC, s.assoc_id DESC) AS rn
    FROM stu_school_assoc s
) l
WHERE l.rn = 1 AND l.exit_reason = 'GR' AND l.grade_lvl < 12
