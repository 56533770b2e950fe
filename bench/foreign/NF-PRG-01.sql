-- id: NF-PRG-01
-- title: SPED program without an enrollment during it
-- severity: fatal
-- group: Programs
-- description: SPED program without an enrollment during it.
-- resolution: Correct the record in the LEA's system, then re-run.
SELECT p.lea_id, p.campus_id, p.program_id, p.student_uid, p.begin_dt
FROM program_assoc p
WHERE p.program_cd = 'SPED' AND NOT EXISTS (
    SELECT 1 FROM stu_school_assoc s
    WHERE s.student_uid = p.student_uid AND s.entry_dt <= ISNULL(p.end_dt, '9999-12-31')
      AND ISNULL(s.exit_dt, '9999-12-31') >= p.begin_dt)
