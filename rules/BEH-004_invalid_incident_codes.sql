-- id: BEH-004
-- title: Invalid incident or resolution code
-- severity: fatal
-- group: Behavior
-- description: The incident code is missing or not one of FIGHT, BULLY, DRUG, WEAPON, TRUANT,
--   DISRUPT; or the resolution code is set but not one of IS, OSS, EXP, DET, CONF.
-- resolution: Replace the code with a valid state code, then re-run the report.
-- external_id: BEH-CODE-0004
SELECT i.district_number, i.school_code, i.incident_id, i.incident_code, i.resolution_code
FROM behavior_incidents AS i
WHERE i.incident_code IS NULL
   OR i.incident_code NOT IN ('FIGHT', 'BULLY', 'DRUG', 'WEAPON', 'TRUANT', 'DISRUPT')
   OR (i.resolution_code IS NOT NULL AND i.resolution_code NOT IN ('IS', 'OSS', 'EXP', 'DET', 'CONF'))
