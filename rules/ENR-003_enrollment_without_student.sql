-- id: ENR-003
-- title: Enrollment without a student record
-- severity: fatal
-- group: Enrollment
-- description: The enrollment's local student id has no student (demographics) record in the
--   district, so the student's name, birth date and state id are unknown.
-- resolution: Add the student's demographic record, or correct the local student id on the
--   enrollment, then re-run the report.
-- external_id: ENR-STU-0003
SELECT e.district_number, e.school_code, e.enrollment_id, e.local_student_id, e.student_state_id
FROM enrollments AS e
WHERE NOT EXISTS (
  SELECT 1
  FROM students AS st
  WHERE st.district_number = e.district_number
    AND st.local_student_id = e.local_student_id
)
