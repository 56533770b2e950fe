-- id: CAL-002
-- title: Calendar day outside the school year
-- severity: fatal
-- group: Calendar Certification
-- description: The calendar day is labelled with another school year, or its date falls outside
--   July 1 to June 30 of the school year being certified.
-- resolution: Correct the date or the school year on the calendar day (or delete it), then re-run
--   the report.
-- external_id: CAL-YEAR-0002
SELECT c.district_number, c.school_code, c.calendar_date, c.school_year, c.instructional
FROM calendar_days AS c
WHERE c.school_year <> :school_year
   OR NOT (
        (EXTRACT(YEAR FROM c.calendar_date) = :school_year - 1 AND EXTRACT(MONTH FROM c.calendar_date) >= 7)
     OR (EXTRACT(YEAR FROM c.calendar_date) = :school_year AND EXTRACT(MONTH FROM c.calendar_date) <= 6)
   )
