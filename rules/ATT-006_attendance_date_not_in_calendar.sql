-- id: ATT-006
-- title: Attendance on a date missing from the school calendar
-- severity: fatal
-- group: Calendar Certification
-- description: The attendance record's date has no row in the school's calendar, so it cannot be
--   counted as an instructional day.
-- resolution: Add the day to the school calendar (marking it instructional or not), or correct the
--   attendance date; then re-run the report.
-- external_id: CAL-ATT-0006
SELECT a.district_number, a.school_code, a.enrollment_id, a.attendance_date, a.student_state_id
FROM attendance_daily AS a
WHERE NOT EXISTS (
  SELECT 1
  FROM calendar_days AS c
  WHERE c.school_code = a.school_code
    AND c.calendar_date = a.attendance_date
)
