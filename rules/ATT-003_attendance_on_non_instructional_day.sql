-- id: ATT-003
-- title: Attendance recorded on a non-instructional day
-- severity: fatal
-- group: Calendar Certification
-- description: A daily attendance record is dated on a day the school's calendar marks as
--   non-instructional (weekend, holiday, break). Attendance may only be taken on instructional days.
-- resolution: Delete the attendance record, or if school was in session that day, mark the day as
--   instructional in the school calendar; then re-run the report.
-- external_id: CAL-ATT-0303
SELECT a.district_number, a.school_code, a.enrollment_id, a.attendance_date, a.student_state_id,
       a.attendance_code
FROM attendance_daily AS a
JOIN calendar_days AS c
  ON c.school_code = a.school_code AND c.calendar_date = a.attendance_date
WHERE c.instructional = FALSE
