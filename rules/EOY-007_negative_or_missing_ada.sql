-- id: EOY-007
-- title: Missing or negative ADA figures
-- severity: fatal
-- group: End of Year Attendance
-- description: Days enrolled or days present on the end-of-year summary is missing or negative.
-- resolution: Recalculate the enrollment's end-of-year summary and submit the days enrolled and
--   days present, then re-run the report.
-- external_id: EOY-NEG-0007
SELECT s.district_number, s.school_code, s.enrollment_id, s.student_state_id, s.ada_days_enrolled,
       s.ada_days_present
FROM attendance_summary AS s
WHERE s.ada_days_enrolled IS NULL
   OR s.ada_days_present IS NULL
   OR s.ada_days_enrolled < 0
   OR s.ada_days_present < 0
