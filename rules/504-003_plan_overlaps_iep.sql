-- id: 504-003
-- title: 504 plan overlaps an IEP
-- severity: warning
-- group: Special Ed / 504
-- description: The student has an IEP in the district during the 504 plan's dates. A student
--   served under an IEP normally does not also need a 504 plan.
-- resolution: End the 504 plan when the IEP starts (or correct the dates), then re-run the report.
-- external_id: 504-IEP-0003
SELECT p.district_number, p.school_code, p.plan_id, p.student_state_id, p.plan_start_date,
       p.plan_end_date, ov.first_iep_id, ov.overlapping_ieps
FROM plans_504 AS p
JOIN (
  -- per plan: the IEPs of the same student in the same district overlapping the plan's dates
  SELECT p2.plan_id, COUNT(*) AS overlapping_ieps, MIN(sp.iep_id) AS first_iep_id
  FROM plans_504 AS p2
  JOIN special_ed AS sp
    ON sp.student_state_id = p2.student_state_id AND sp.district_number = p2.district_number
  WHERE sp.iep_start_date <= COALESCE(p2.plan_end_date, DATE '9999-12-31')
    AND COALESCE(sp.iep_end_date, DATE '9999-12-31') >= p2.plan_start_date
  GROUP BY p2.plan_id
) AS ov
  ON ov.plan_id = p.plan_id
