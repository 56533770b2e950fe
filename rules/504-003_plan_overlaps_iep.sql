-- id: 504-003
-- title: 504 plan overlaps an IEP
-- severity: warning
-- group: Special Ed / 504
-- description: The student has an IEP in the district during the 504 plan's dates. A student
--   served under an IEP normally does not also need a 504 plan.
-- resolution: End the 504 plan when the IEP starts (or correct the dates), then re-run the report.
-- external_id: 504-IEP-0003
SELECT p.district_number, p.school_code, p.plan_id, p.student_state_id, p.plan_start_date,
       p.plan_end_date
FROM plans_504 AS p
WHERE EXISTS (
  SELECT 1
  FROM special_ed AS sp
  WHERE sp.student_state_id = p.student_state_id
    AND sp.district_number = p.district_number
    AND sp.iep_start_date <= COALESCE(p.plan_end_date, DATE '9999-12-31')
    AND COALESCE(sp.iep_end_date, DATE '9999-12-31') >= p.plan_start_date
)
