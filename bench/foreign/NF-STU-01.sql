-- id: NF-STU-01
-- title: One student id on two local records
-- severity: warning
-- group: Enrollment
-- description: One student id on two local records.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT d.lea_id, d.local_id, d.student_uid, d.records
FROM (
    SELECT st.lea_id, st.local_id, st.student_uid,
           COUNT(*) OVER (PARTITION BY st.lea_id, st.student_uid) AS records
    FROM student st
) d
WHERE d.records > 1
