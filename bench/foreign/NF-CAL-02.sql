-- id: NF-CAL-02
-- title: Calendar date listed twice
-- severity: fatal
-- group: Calendar
-- description: Calendar date listed twice.
-- resolution: Correct the record in the LEA's system, then re-run.
-- keys: campus_id, cal_dt
SELECT c.lea_id, c.campus_id, c.cal_dt, COUNT(*) AS copies
FROM cal_date c
GROUP BY c.lea_id, c.campus_id, c.cal_dt
HAVING COUNT(*) > 1
