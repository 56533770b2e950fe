-- id: ENR-004
-- title: Enrollment dates outside the school calendar
-- severity: fatal
-- group: Enrollment
-- group: Calendar Certification
-- description: The enrollment starts before the school's first calendar day or ends after its last
--   calendar day. Enrollment spans must fall within the school's calendar for the year.
-- resolution: Correct the enrollment start date or the exit date so it falls within the school
--   calendar (or correct the calendar), then re-run the report.
-- external_id: ENR-CAL-0404
SELECT e.district_number, e.school_code, e.enrollment_id, e.student_state_id, e.start_date,
       e.end_date, cal.first_day, cal.last_day
FROM enrollments AS e
JOIN (
  SELECT c.school_code, MIN(c.calendar_date) AS first_day, MAX(c.calendar_date) AS last_day
  FROM calendar_days AS c
  GROUP BY c.school_code
) AS cal
  ON cal.school_code = e.school_code
WHERE e.start_date < cal.first_day
   OR e.end_date > cal.last_day
