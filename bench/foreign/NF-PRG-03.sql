-- id: NF-PRG-03
-- title: Overlapping programs of one kind
-- severity: warning
-- group: Programs
-- description: Overlapping programs of one kind.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT o.lea_id, o.campus_id, o.program_id, o.student_uid, o.program_cd
FROM (
    SELECT p.lea_id, p.campus_id, p.program_id, p.student_uid, p.program_cd, p.begin_dt,
           LAG(p.end_dt) OVER (PARTITION BY p.student_uid, p.program_cd ORDER BY p.begin_dt, p.program_id) AS prev_end
    FROM program_assoc p
) o
WHERE o.prev_end >= o.begin_dt
