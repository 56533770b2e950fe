-- id: EOY-003
-- title: Days present and absent do not add up to days enrolled
-- severity: warning
-- group: End of Year Attendance
-- description: Days present plus days absent (excused and unexcused) differ from the days enrolled
--   on the end-of-year summary. Every enrolled day should be either a present or an absent day.
--   (Summaries already reported by EOY-001 are not repeated here.)
-- resolution: Recalculate the end-of-year summary from the daily attendance records in the student
--   information system, then re-run the report.
-- external_id: EOY-ADA-0003
SELECT s.district_number, s.school_code, s.enrollment_id, s.student_state_id, s.ada_days_enrolled,
       s.ada_days_present, s.days_absent_excused, s.days_absent_unexcused
FROM attendance_summary AS s
WHERE s.ada_days_present <= s.ada_days_enrolled
  AND s.ada_days_present + COALESCE(s.days_absent_excused, 0) + COALESCE(s.days_absent_unexcused, 0)
      <> s.ada_days_enrolled
