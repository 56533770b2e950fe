-- id: 504-001
-- title: 504 plan without an active enrollment
-- severity: fatal
-- group: Special Ed / 504
-- description: The student has no enrollment (of any service type) in the district during the
--   504 plan's dates. A 504 plan can only be reported for a student enrolled in the district.
-- resolution: Correct the plan start and end dates, or add the missing enrollment, or remove the
--   plan if the student was never enrolled in the district; then re-run the report.
-- external_id: 504-ENR-0001
SELECT p.district_number, p.school_code, p.plan_id, p.student_state_id, p.plan_start_date,
       p.plan_end_date
FROM plans_504 AS p
LEFT JOIN (
  -- plans with at least one enrollment of the student in the plan's district overlapping the plan
  SELECT DISTINCT p2.plan_id
  FROM plans_504 AS p2
  JOIN enrollments AS e
    ON e.student_state_id = p2.student_state_id AND e.district_number = p2.district_number
  WHERE e.start_date <= COALESCE(p2.plan_end_date, DATE '9999-12-31')
    AND COALESCE(e.end_date, DATE '9999-12-31') >= p2.plan_start_date
) AS covered
  ON covered.plan_id = p.plan_id
WHERE covered.plan_id IS NULL
