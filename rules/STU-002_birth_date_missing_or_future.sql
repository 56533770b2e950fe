-- id: STU-002
-- title: Birth date missing or after the as-of date
-- severity: fatal
-- group: Enrollment
-- description: The student record has no birth date, or a birth date after the as-of date.
-- resolution: Enter the birth date from the student's birth certificate or other proof of age,
--   then re-run the report.
-- external_id: STU-BIRTH-0002
SELECT st.district_number, st.local_student_id, st.student_state_id, st.last_name, st.first_name,
       st.birth_date
FROM students AS st
WHERE st.birth_date IS NULL
   OR st.birth_date > :as_of_date
