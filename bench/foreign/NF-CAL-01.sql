-- id: NF-CAL-01
-- title: Too few instructional days
-- severity: fatal
-- group: Calendar
-- description: Too few instructional days.
-- resolution: Correct the record in the LEA's system, then re-run.
-- keys: campus_id
SELECT c.lea_id, c.campus_id, COUNT(*) AS instructional_days
FROM cal_date c
WHERE c.day_type = 'ID' AND c.school_year = @SchoolYear
GROUP BY c.lea_id, c.campus_id
HAVING COUNT(*) < 175
