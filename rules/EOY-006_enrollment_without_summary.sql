-- id: EOY-006
-- title: Enrollment without an end-of-year attendance summary
-- severity: warning
-- group: End of Year Attendance
-- group: Enrollment
-- description: The enrollment has no end-of-year attendance summary, so its ADA days will be
--   missing from the state's funding calculation.
-- resolution: Run the end-of-year attendance summary for this enrollment in the student
--   information system and submit it, then re-run the report.
-- external_id: EOY-MISS-0006
SELECT e.district_number, e.school_code, e.enrollment_id, e.student_state_id, e.grade,
       e.start_date, e.end_date
FROM enrollments AS e
WHERE NOT EXISTS (
  SELECT 1 FROM attendance_summary AS s WHERE s.enrollment_id = e.enrollment_id
)
