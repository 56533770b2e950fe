-- id: NF-ATT-04
-- title: Attendance on a date missing from the calendar
-- severity: fatal
-- group: Attendance
-- description: Attendance on a date missing from the calendar.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT a.lea_id, a.campus_id, a.assoc_id, a.event_dt
FROM att_event a
WHERE NOT EXISTS (SELECT 1 FROM cal_date c WHERE c.campus_id = a.campus_id AND c.cal_dt = a.event_dt)
