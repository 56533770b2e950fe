-- id: ATT-005
-- title: Duplicate daily attendance record
-- severity: fatal
-- group: Calendar Certification
-- group: Student Tardiness
-- description: More than one attendance record exists for the same enrollment and date. The
--   second and later records are reported.
-- resolution: Delete the extra attendance record for that day (keep the correct one), then re-run
--   the report.
-- external_id: ATT-DUP-0005
SELECT d.district_number, d.school_code, d.enrollment_id, d.attendance_date, d.student_state_id,
       d.attendance_code
FROM (
  SELECT a.district_number, a.school_code, a.enrollment_id, a.attendance_date, a.student_state_id,
         a.attendance_code,
         ROW_NUMBER() OVER (PARTITION BY a.enrollment_id, a.attendance_date
                            ORDER BY a.attendance_code, a.minutes_tardy, a.minutes_absent) AS copy_number
  FROM attendance_daily AS a
) AS d
WHERE d.copy_number > 1
