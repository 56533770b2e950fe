-- id: ATT-004
-- title: Tardy minutes out of range
-- severity: fatal
-- group: Student Tardiness
-- description: A tardy (T) attendance record has zero or negative minutes tardy, or more than
--   120 minutes. A tardy must be between 1 and 120 minutes; longer is a partial-day absence.
-- resolution: Correct the minutes tardy, or change the attendance code if the student was absent,
--   then re-run the report.
-- external_id: TRD-MIN-0004
SELECT a.district_number, a.school_code, a.enrollment_id, a.attendance_date, a.student_state_id,
       a.minutes_tardy
FROM attendance_daily AS a
WHERE a.attendance_code = 'T'
  AND (a.minutes_tardy <= 0 OR a.minutes_tardy > 120)
