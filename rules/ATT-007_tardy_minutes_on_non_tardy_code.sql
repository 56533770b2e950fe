-- id: ATT-007
-- title: Tardy minutes on a record that is not a tardy
-- severity: warning
-- group: Student Tardiness
-- description: The attendance record carries minutes tardy but its code is not T (tardy).
-- resolution: Change the attendance code to T, or clear the minutes tardy, then re-run the report.
-- external_id: TRD-MIN-0007
SELECT a.district_number, a.school_code, a.enrollment_id, a.attendance_date, a.student_state_id,
       a.attendance_code, a.minutes_tardy
FROM attendance_daily AS a
WHERE a.attendance_code <> 'T'
  AND a.minutes_tardy > 0
