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
WHERE NOT EXISTS (
  SELECT 1
  FROM enrollments AS e
  WHERE e.student_state_id = p.student_state_id
    AND e.district_number = p.district_number
    AND e.start_date <= COALESCE(p.plan_end_date, DATE '9999-12-31')
    AND COALESCE(e.end_date, DATE '9999-12-31') >= p.plan_start_date
)
