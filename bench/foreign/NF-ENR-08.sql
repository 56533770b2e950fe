-- id: NF-ENR-08
-- title: Age implausible for the grade
-- severity: warning
-- group: Enrollment
-- description: Age implausible for the grade.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT s.lea_id, s.campus_id, s.assoc_id, s.grade_lvl, st.dob
FROM stu_school_assoc s
JOIN student st ON st.student_uid = s.student_uid AND st.lea_id = s.lea_id
WHERE DATEDIFF(year, st.dob, s.entry_dt) - s.grade_lvl NOT BETWEEN 4 AND 7
