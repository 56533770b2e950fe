-- id: ENR-009
-- title: Invalid service type
-- severity: fatal
-- group: Enrollment
-- description: The enrollment's service type is missing or is not P (primary), S (secondary) or
--   N (no state funding).
-- resolution: Set the service type to P, S or N, then re-run the report.
-- external_id: ENR-SVC-0009
SELECT e.district_number, e.school_code, e.enrollment_id, e.student_state_id, e.service_type
FROM enrollments AS e
WHERE e.service_type IS NULL
   OR e.service_type NOT IN ('P', 'S', 'N')
