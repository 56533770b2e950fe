-- id: NF-DIS-01
-- title: Discipline for a student not enrolled that day
-- severity: fatal
-- group: Discipline
-- description: Discipline for a student not enrolled that day.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT ds.lea_id, ds.campus_id, ds.incident_nbr, ds.student_uid, e.incident_dt
FROM discipline_student ds
JOIN discipline_event e ON e.incident_nbr = ds.incident_nbr
WHERE NOT EXISTS (
    SELECT 1 FROM stu_school_assoc s
    WHERE s.student_uid = ds.student_uid AND s.campus_id = e.campus_id
      AND s.entry_dt <= e.incident_dt AND ISNULL(s.exit_dt, '9999-12-31') >= e.incident_dt)
