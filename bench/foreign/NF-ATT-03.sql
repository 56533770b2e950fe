-- id: NF-ATT-03
-- title: Attendance on a non-instructional day
-- severity: fatal
-- group: Attendance
-- description: Attendance on a non-instructional day.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT a.lea_id, a.campus_id, a.assoc_id, a.event_dt, c.day_type
FROM att_event a
JOIN cal_date c ON c.campus_id = a.campus_id AND c.cal_dt = a.event_dt
WHERE c.day_type <> 'ID'
