-- id: NF-ENR-01
-- title: Exit date before entry date
-- severity: fatal
-- group: Enrollment
-- description: Exit date before entry date.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT s.lea_id, s.campus_id, s.assoc_id, s.entry_dt, s.exit_dt
FROM stu_school_assoc s
WHERE s.exit_dt < s.entry_dt
