-- id: NF-ENR-04
-- title: Enrollment of an unknown student
-- severity: fatal
-- group: Enrollment
-- description: Enrollment of an unknown student.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT s.lea_id, s.campus_id, s.assoc_id, s.student_uid
FROM stu_school_assoc s
WHERE s.student_uid NOT IN (SELECT st.student_uid FROM student st WHERE st.student_uid IS NOT NULL)
