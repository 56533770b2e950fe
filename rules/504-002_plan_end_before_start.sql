-- id: 504-002
-- title: 504 plan end date before its start date
-- severity: fatal
-- group: Special Ed / 504
-- description: The Section 504 plan ends before it starts.
-- resolution: Correct the plan start or end date in the 504 record, then re-run the report.
-- external_id: 504-DATE-0002
SELECT p.district_number, p.school_code, p.plan_id, p.student_state_id, p.plan_start_date,
       p.plan_end_date
FROM plans_504 AS p
WHERE p.plan_end_date < p.plan_start_date
