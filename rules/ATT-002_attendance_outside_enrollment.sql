-- id: ATT-002
-- title: Attendance outside the enrollment span
-- severity: fatal
-- group: Calendar Certification
-- description: The attendance record is dated before the enrollment's start date or after its exit
--   date. Attendance can only be counted while the student is enrolled.
-- resolution: Correct the enrollment's start or exit date, or delete the attendance record, then
--   re-run the report.
-- external_id: ATT-SPAN-0002
SELECT a.district_number, a.school_code, a.enrollment_id, a.attendance_date, a.student_state_id,
       e.start_date, e.end_date
FROM attendance_daily AS a
JOIN enrollments AS e
  ON e.enrollment_id = a.enrollment_id
WHERE a.attendance_date < e.start_date
   OR a.attendance_date > e.end_date
