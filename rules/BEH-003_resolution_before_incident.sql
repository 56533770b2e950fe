-- id: BEH-003
-- title: Resolution dated before the incident
-- severity: fatal
-- group: Behavior
-- description: The incident's resolution date is earlier than the incident date.
-- resolution: Correct the incident date or the resolution date, then re-run the report.
-- external_id: BEH-DATE-0003
SELECT i.district_number, i.school_code, i.incident_id, i.incident_date, i.resolution_code,
       i.resolution_date
FROM behavior_incidents AS i
WHERE i.resolution_date < i.incident_date
