-- id: ATT-001
-- title: Invalid attendance code
-- severity: fatal
-- group: Calendar Certification
-- group: Student Tardiness
-- description: The daily attendance record has a missing code or a code other than P (present),
--   AE (absent excused), AU (absent unexcused) or T (tardy).
-- resolution: Change the attendance code to P, AE, AU or T, then re-run the report.
-- external_id: ATT-CODE-0001
SELECT a.district_number, a.school_code, a.enrollment_id, a.attendance_date, a.student_state_id,
       a.attendance_code
FROM attendance_daily AS a
WHERE a.attendance_code IS NULL
   OR a.attendance_code NOT IN ('P', 'AE', 'AU', 'T')
