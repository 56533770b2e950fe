-- id: EOY-004
-- title: Chronic absence listing
-- severity: info
-- group: End of Year Attendance
-- description: Enrollments whose absences (excused plus unexcused) are 10% or more of the days
--   enrolled. Listed for review and for the state's chronic absenteeism report.
-- resolution: Review the listed students' attendance; no correction is needed if the figures are
--   right.
-- external_id: EOY-CHRON-0004
SELECT s.district_number, s.school_code, s.enrollment_id, s.student_state_id, s.ada_days_enrolled,
       s.ada_days_present, s.days_absent_excused, s.days_absent_unexcused
FROM attendance_summary AS s
WHERE s.ada_days_enrolled > 0
  AND (COALESCE(s.days_absent_excused, 0) + COALESCE(s.days_absent_unexcused, 0)) * 10
      >= s.ada_days_enrolled
