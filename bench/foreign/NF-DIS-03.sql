-- id: NF-DIS-03
-- title: Incident without students
-- severity: warning
-- group: Discipline
-- description: Incident without students.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT e.lea_id, e.campus_id, e.incident_nbr, e.incident_dt
FROM discipline_event e
LEFT JOIN discipline_student ds ON ds.incident_nbr = e.incident_nbr
WHERE ds.incident_nbr IS NULL
