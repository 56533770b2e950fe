-- id: NF-ATT-12
-- title: More attendance days than instructional days in the span
-- severity: fatal
-- group: Attendance
-- description: More attendance days than instructional days in the span.
-- resolution: Correct the record in the LEA's system, then re-run.
-- keys: assoc_id
SELECT s.lea_id, s.campus_id, s.assoc_id, x.days_recorded, y.days_open
FROM stu_school_assoc s
JOIN (SELECT a.assoc_id, COUNT(DISTINCT a.event_dt) AS days_recorded FROM att_event a GROUP BY a.assoc_id) x
  ON x.assoc_id = s.assoc_id
JOIN (SELECT s2.assoc_id, COUNT(*) AS days_open
      FROM stu_school_assoc s2
      JOIN cal_date c ON c.campus_id = s2.campus_id AND c.day_type = 'ID'
       AND c.cal_dt >= s2.entry_dt AND c.cal_dt <= ISNULL(s2.exit_dt, '9999-12-31')
      GROUP BY s2.assoc_id) y
  ON y.assoc_id = s.assoc_id
WHERE x.days_recorded > y.days_open
