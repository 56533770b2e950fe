-- id: ENR-001
-- title: Enrollment start date after exit date
-- severity: fatal
-- group: Enrollment
-- description: The enrollment's exit (end) date is earlier than its start date. A same-day
--   enrollment (start = end) is allowed.
-- resolution: Correct the start date or the exit date in the enrollment record, then re-run the
--   report.
-- external_id: ENR-DATE-0001
SELECT e.district_number, e.school_code, e.enrollment_id, e.student_state_id, e.start_date,
       e.end_date
FROM enrollments AS e
WHERE e.end_date < e.start_date
