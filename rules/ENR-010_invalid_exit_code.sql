-- id: ENR-010
-- title: Invalid exit code
-- severity: fatal
-- group: Enrollment
-- description: The enrollment's exit code is not one of the state's exit codes E1 to E9.
-- resolution: Replace the exit code with the state code (E1-E9) that describes why the student
--   left, then re-run the report.
-- external_id: ENR-EXIT-0010
SELECT e.district_number, e.school_code, e.enrollment_id, e.student_state_id, e.end_date,
       e.exit_code
FROM enrollments AS e
WHERE e.exit_code IS NOT NULL
  AND e.exit_code NOT IN ('E1', 'E2', 'E3', 'E4', 'E5', 'E6', 'E7', 'E8', 'E9')
