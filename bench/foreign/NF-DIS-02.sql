-- id: NF-DIS-02
-- title: Action dated before the incident
-- severity: fatal
-- group: Discipline
-- description: Action dated before the incident.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT e.lea_id, e.campus_id, e.incident_nbr, e.incident_dt, e.action_dt
FROM discipline_event e
WHERE e.action_dt < e.incident_dt
