-- id: SPED-001
-- title: IEP annual review overdue
-- severity: warning
-- group: Special Ed / 504
-- description: The IEP is still open on the as-of date but its last annual review was more than
--   365 days earlier. IEPs must be reviewed at least once a year.
-- resolution: Hold the annual review meeting and enter its date in the IEP record (or enter the
--   IEP end date if the student left special education), then re-run the report.
-- external_id: SPED-REV-0001
SELECT sp.district_number, sp.school_code, sp.iep_id, sp.student_state_id, sp.annual_review_date,
       sp.iep_end_date
FROM special_ed AS sp
WHERE sp.annual_review_date < :as_of_date - INTERVAL '365 days'
  AND (sp.iep_end_date IS NULL OR sp.iep_end_date >= :as_of_date)
