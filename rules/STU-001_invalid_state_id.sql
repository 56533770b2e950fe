-- id: STU-001
-- title: Missing or malformed student state id
-- severity: fatal
-- group: Enrollment
-- description: The student record has no state student id, or the id is not exactly 10 digits.
--   Records without a valid state id cannot be matched to state reports or funding.
-- resolution: Look up the student's state id in the state id system (or request a new one) and
--   enter it in the student record, then re-run the report.
-- external_id: STU-SSID-0001
SELECT st.district_number, st.local_student_id, st.student_state_id, st.last_name, st.first_name,
       st.birth_date
FROM students AS st
WHERE st.student_state_id IS NULL
   OR NOT (st.student_state_id ~ '^[0-9]{10}$')
