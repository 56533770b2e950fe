-- id: ENR-011
-- title: Exit code without an exit date
-- severity: warning
-- group: Enrollment
-- description: The enrollment has an exit code but no exit (end) date.
-- resolution: Enter the student's last day of enrollment as the exit date (or remove the exit code
--   if the student is still enrolled), then re-run the report.
-- external_id: ENR-EXIT-0011
SELECT e.district_number, e.school_code, e.enrollment_id, e.student_state_id, e.exit_code
FROM enrollments AS e
WHERE e.exit_code IS NOT NULL
  AND e.end_date IS NULL
