-- id: NF-ENR-05
-- title: Grade outside the campus grade span
-- severity: fatal
-- group: Enrollment
-- description: Grade outside the campus grade span.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT s.lea_id, s.campus_id, s.assoc_id, s.grade_lvl, c.grade_low, c.grade_high
FROM stu_school_assoc s
JOIN campus c ON c.campus_id = s.campus_id
WHERE s.grade_lvl < c.grade_low OR s.grade_lvl > c.grade_high
