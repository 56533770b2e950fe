-- id: NF-PRG-02
-- title: Program ends before it begins
-- severity: fatal
-- group: Programs
-- description: Program ends before it begins.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT p.lea_id, p.campus_id, p.program_id, p.begin_dt, p.end_dt
FROM program_assoc p
WHERE p.end_dt < p.begin_dt
