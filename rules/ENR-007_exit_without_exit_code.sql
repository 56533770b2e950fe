-- id: ENR-007
-- title: Exit date without an exit code
-- severity: fatal
-- group: Enrollment
-- description: The enrollment has an exit (end) date but no exit code, so the state cannot tell
--   whether the student transferred, graduated or dropped out.
-- resolution: Enter the exit code (E1-E9) that describes why the student left, then re-run the
--   report.
-- external_id: ENR-EXIT-0707
SELECT e.district_number, e.school_code, e.enrollment_id, e.student_state_id, e.grade,
       e.end_date, e.exit_code
FROM enrollments AS e
WHERE e.end_date IS NOT NULL
  AND e.exit_code IS NULL
