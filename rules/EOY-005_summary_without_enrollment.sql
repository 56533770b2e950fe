-- id: EOY-005
-- title: Attendance summary without an enrollment
-- severity: fatal
-- group: End of Year Attendance
-- description: The end-of-year attendance summary refers to an enrollment id that does not exist
--   in the enrollment records.
-- resolution: Add the missing enrollment, or delete the orphaned attendance summary, then re-run
--   the report.
-- external_id: EOY-ORPH-0005
SELECT s.district_number, s.school_code, s.enrollment_id, s.student_state_id, s.ada_days_enrolled
FROM attendance_summary AS s
WHERE NOT EXISTS (
  SELECT 1 FROM enrollments AS e WHERE e.enrollment_id = s.enrollment_id
)
