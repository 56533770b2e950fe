-- id: ENR-006
-- title: Duplicate enrollment record
-- severity: fatal
-- group: Enrollment
-- description: The enrollment repeats another enrollment of the same student at the same school,
--   grade and start date. The later (higher id) record is reported as the duplicate.
-- resolution: Delete the duplicate enrollment record (keep the original), then re-run the report.
-- external_id: ENR-DUP-0606
SELECT d.district_number, d.school_code, d.enrollment_id, d.student_state_id, d.grade,
       d.start_date, d.service_type, d.original_enrollment_id
FROM (
  SELECT e.district_number, e.school_code, e.enrollment_id, e.student_state_id, e.grade,
         e.start_date, e.service_type,
         ROW_NUMBER() OVER (PARTITION BY e.student_state_id, e.school_code, e.grade, e.start_date
                            ORDER BY e.enrollment_id) AS copy_number,
         MIN(e.enrollment_id) OVER (PARTITION BY e.student_state_id, e.school_code, e.grade,
                                    e.start_date) AS original_enrollment_id
  FROM enrollments AS e
) AS d
WHERE d.copy_number > 1
