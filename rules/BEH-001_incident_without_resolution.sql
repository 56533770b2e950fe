-- id: BEH-001
-- title: Behavior incident without a resolution
-- severity: fatal
-- group: Behavior
-- description: The behavior incident has no resolution code (suspension, expulsion, detention,
--   conference ...). Every reported incident needs the action the school took.
-- resolution: Enter the resolution code (IS, OSS, EXP, DET or CONF) and its date on the incident,
--   then re-run the report.
-- external_id: BEH-RES-0001
SELECT i.district_number, i.school_code, i.incident_id, i.incident_date, i.incident_code
FROM behavior_incidents AS i
WHERE i.resolution_code IS NULL
