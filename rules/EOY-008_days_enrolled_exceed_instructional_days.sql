-- id: EOY-008
-- title: Days enrolled exceed the school's instructional days
-- severity: fatal
-- group: End of Year Attendance
-- group: Calendar Certification
-- description: The end-of-year summary reports more days enrolled than the school's calendar has
--   instructional days in the school year (a school without a calendar has 0). A student cannot be
--   enrolled on more days than the school was in session.
-- resolution: Check the school calendar for missing instructional days, then recalculate the
--   enrollment's days enrolled; correct whichever is wrong and re-run the report.
-- external_id: EOY-ADA-0008
SELECT s.district_number, s.school_code, s.enrollment_id, s.student_state_id, s.ada_days_enrolled
FROM attendance_summary AS s
WHERE s.ada_days_enrolled > (
  SELECT COUNT(*)
  FROM calendar_days AS c
  WHERE c.school_code = s.school_code
    AND c.instructional = TRUE
    AND c.school_year = :school_year
)
