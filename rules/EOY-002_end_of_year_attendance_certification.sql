-- id: EOY-002
-- title: End of Year Attendance Certification
-- severity: info
-- group: End of Year Attendance
-- description: Listing of every enrollment with its end-of-year ADA figures (days enrolled, days
--   present, days absent), with district, school and student names, for review before certifying.
-- resolution: Review the listing; correct any figures that do not match the school's records in
--   the student information system, then re-run the report.
-- external_id: EOY-LIST-0002
-- dataset: End of Year Attendance Certification
SELECT d.district_name AS district, s.district_number, sc.school_name AS school, s.school_code,
       s.student_state_id, st.last_name, st.first_name, s.enrollment_id, e.grade, e.service_type,
       e.start_date, e.end_date, s.ada_days_enrolled, s.ada_days_present, s.days_absent_excused,
       s.days_absent_unexcused
FROM attendance_summary AS s
LEFT JOIN enrollments AS e
  ON e.enrollment_id = s.enrollment_id
LEFT JOIN students AS st
  ON st.district_number = e.district_number AND st.local_student_id = e.local_student_id
LEFT JOIN schools AS sc
  ON sc.school_code = s.school_code
LEFT JOIN districts AS d
  ON d.district_number = s.district_number
