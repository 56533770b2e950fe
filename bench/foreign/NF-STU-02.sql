-- id: NF-STU-02
-- title: Birth date missing or in the future
-- severity: fatal
-- group: Enrollment
-- description: Birth date missing or in the future.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT st.lea_id, st.local_id, st.student_uid, st.dob
FROM student st
WHERE st.dob IS NULL OR st.dob > CAST(GETDATE() AS DATE)
