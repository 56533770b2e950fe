-- id: NF-DIS-04
-- title: Removal longer than the instructional days left
-- severity: warning
-- group: Discipline
-- description: Removal longer than the instructional days left.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT e.lea_id, e.campus_id, e.incident_nbr, e.days_removed
FROM discipline_event e
WHERE e.days_removed > (SELECT COUNT(*) FROM cal_date c
                        WHERE c.campus_id = e.campus_id AND c.day_type = 'ID' AND c.cal_dt > e.incident_dt)
