-- id: CAL-001
-- title: Fewer than 170 instructional days
-- severity: warning
-- group: Calendar Certification
-- description: The school's calendar for the school year has fewer than 170 instructional days
--   (schools with no calendar at all are counted as 0 days).
-- resolution: Check the school calendar for missing days or days wrongly marked non-instructional,
--   correct it, then re-run the report.
-- external_id: CAL-DAYS-0001
SELECT sc.district_number, sc.school_code, sc.school_name,
       COALESCE(cal.instructional_days, 0) AS instructional_days
FROM schools AS sc
LEFT JOIN (
  SELECT c.school_code, COUNT(*) AS instructional_days
  FROM calendar_days AS c
  WHERE c.instructional = TRUE AND c.school_year = :school_year
  GROUP BY c.school_code
) AS cal
  ON cal.school_code = sc.school_code
WHERE COALESCE(cal.instructional_days, 0) < 170
