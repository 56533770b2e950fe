-- id: NF-ENR-06
-- title: Exit date and exit reason disagree
-- severity: warning
-- group: Enrollment
-- description: Exit date and exit reason disagree.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT s.lea_id, s.campus_id, s.assoc_id, s.exit_dt, s.exit_reason
FROM stu_school_assoc s
WHERE (s.exit_dt IS NULL AND s.exit_reason IS NOT NULL) OR (s.exit_dt IS NOT NULL AND s.exit_reason IS NULL)
