-- id: EOY-009
-- title: Days enrolled differ from the instructional days in the enrollment span
-- severity: warning
-- group: End of Year Attendance
-- description: The end-of-year summary's days enrolled is not the number of instructional days in
--   the school calendar from the enrollment's start date through its exit date (or through the end
--   of the calendar if the student is still enrolled).
-- resolution: Check the enrollment's start and exit dates and the school calendar, recalculate the
--   end-of-year summary, then re-run the report.
-- external_id: EOY-ADA-0009
SELECT s.district_number, s.school_code, s.enrollment_id, s.student_state_id, s.ada_days_enrolled,
       span.start_date, span.end_date, span.instructional_days_in_span
FROM attendance_summary AS s
JOIN (
  SELECT e.enrollment_id, e.start_date, e.end_date,
         SUM(CASE WHEN c.instructional = TRUE
                   AND c.calendar_date >= e.start_date
                   AND c.calendar_date <= COALESCE(e.end_date, DATE '9999-12-31')
                  THEN 1 ELSE 0 END) AS instructional_days_in_span
  FROM enrollments AS e
  LEFT JOIN calendar_days AS c
    ON c.school_code = e.school_code
  GROUP BY e.enrollment_id, e.start_date, e.end_date
) AS span
  ON span.enrollment_id = s.enrollment_id
WHERE s.ada_days_enrolled <> span.instructional_days_in_span
