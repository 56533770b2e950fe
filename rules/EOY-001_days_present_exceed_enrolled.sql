-- id: EOY-001
-- title: ADA days present exceed days enrolled
-- severity: fatal
-- group: End of Year Attendance
-- description: The end-of-year attendance summary shows more days present than days enrolled for
--   this enrollment. A student cannot be present on more days than they were enrolled.
-- resolution: Compare the enrollment's start and exit dates with its daily attendance, correct the
--   days present or days enrolled in the student information system, then re-run the report.
-- external_id: EOY-ADA-0101
SELECT s.district_number, s.school_code, s.enrollment_id, s.student_state_id,
       s.ada_days_enrolled, s.ada_days_present
FROM attendance_summary AS s
WHERE s.ada_days_present > s.ada_days_enrolled
