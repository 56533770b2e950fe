-- id: NF-STU-03
-- title: Student without an enrollment
-- severity: warning
-- group: Enrollment
-- description: Student without an enrollment.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT st.lea_id, st.local_id, st.student_uid
FROM student st
WHERE NOT EXISTS (SELECT 1 FROM stu_school_assoc s WHERE s.student_uid = st.student_uid AND s.lea_id = st.lea_id)
