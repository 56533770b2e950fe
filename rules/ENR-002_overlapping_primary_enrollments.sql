-- id: ENR-002
-- title: Overlapping primary enrollments
-- severity: fatal
-- group: Enrollment
-- description: The student has two primary (service type P) enrollments whose date spans overlap.
--   A student can have only one primary enrollment on any given day; both enrollments are listed.
-- resolution: Exit the earlier enrollment on or before the day before the later one starts (or
--   change one of them to a secondary service type), then re-run the report.
-- external_id: ENR-OVLP-0202
SELECT DISTINCT a.district_number, a.school_code, a.enrollment_id, a.student_state_id, a.grade,
       a.start_date, a.end_date
FROM enrollments AS a
JOIN enrollments AS b
  ON b.student_state_id = a.student_state_id
WHERE a.enrollment_id <> b.enrollment_id
  AND a.service_type = 'P'
  AND b.service_type = 'P'
  AND a.start_date <= COALESCE(b.end_date, DATE '9999-12-31')
  AND b.start_date <= COALESCE(a.end_date, DATE '9999-12-31')
