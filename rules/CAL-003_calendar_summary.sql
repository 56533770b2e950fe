-- id: CAL-003
-- title: School calendar summary
-- severity: info
-- group: Calendar Certification
-- description: Per school: the first and last calendar day and the number of instructional and
--   non-instructional days, for review before certifying the calendar.
-- resolution: Review the listing against the board-approved calendar; correct any differences in
--   the student information system, then re-run the report.
-- external_id: CAL-LIST-0003
-- dataset: Calendar Certification
SELECT sc.district_number, sc.school_code, sc.school_name, cal.first_day, cal.last_day,
       cal.instructional_days, cal.non_instructional_days
FROM schools AS sc
JOIN (
  SELECT c.school_code, MIN(c.calendar_date) AS first_day, MAX(c.calendar_date) AS last_day,
         SUM(CASE WHEN c.instructional THEN 1 ELSE 0 END) AS instructional_days,
         SUM(CASE WHEN c.instructional THEN 0 ELSE 1 END) AS non_instructional_days
  FROM calendar_days AS c
  GROUP BY c.school_code
) AS cal
  ON cal.school_code = sc.school_code
