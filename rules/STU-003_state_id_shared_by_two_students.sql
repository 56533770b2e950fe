-- id: STU-003
-- title: One state id used by two local student records
-- severity: warning
-- group: Enrollment
-- description: Two or more student records of the district (different local student ids) carry the
--   same state student id. Either the records are the same student or one id is wrong.
-- resolution: Merge the duplicate student records, or correct the state id on the wrong one, then
--   re-run the report.
-- external_id: STU-SSID-0003
SELECT d.district_number, d.local_student_id, d.student_state_id, d.last_name, d.first_name,
       d.records_with_id
FROM (
  SELECT st.district_number, st.local_student_id, st.student_state_id, st.last_name,
         st.first_name,
         COUNT(*) OVER (PARTITION BY st.district_number, st.student_state_id) AS records_with_id
  FROM students AS st
  WHERE st.student_state_id IS NOT NULL
) AS d
WHERE d.records_with_id > 1
