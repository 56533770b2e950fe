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
/* Only (enrollment, date) groups with copies are numbered: COUNT(*) OVER is a cheap grouped count,
   ROW_NUMBER over 28M one-row groups is not (bench/README.md). NULL keys group together in both. */
SELECT d.district_number, d.school_code, d.enrollment_id, d.attendance_date, d.student_state_id,
       d.attendance_code
FROM (
  SELECT c.district_number, c.school_code, c.enrollment_id, c.attendance_date, c.student_state_id,
         c.attendance_code,
         ROW_NUMBER() OVER (PARTITION BY c.enrollment_id, c.attendance_date
                            ORDER BY c.attendance_code, c.minutes_tardy, c.minutes_absent) AS copy_number
  FROM (
    SELECT a.district_number, a.school_code, a.enrollment_id, a.attendance_date, a.student_state_id,
           a.attendance_code, a.minutes_tardy, a.minutes_absent,
           COUNT(*) OVER (PARTITION BY a.enrollment_id, a.attendance_date) AS copies
    FROM attendance_daily AS a
  ) AS c
  WHERE c.copies > 1
) AS d
WHERE d.copy_number > 1
