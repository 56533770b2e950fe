-- id: ENR-008
-- title: Birth date implausible for the grade
-- severity: warning
-- group: Enrollment
-- description: The student's birth year is more than two years away from the usual birth year for
--   the enrolled grade (a kindergartner of the 2024-25 year is usually born in 2019). Either the
--   birth date or the grade is probably wrong.
-- resolution: Check the birth date in the student record and the grade on the enrollment; correct
--   whichever is wrong, then re-run the report. No change is needed for a confirmed
--   retention or acceleration. Grades the school does not offer are reported by ENR-005 instead.
-- external_id: ENR-AGE-0008
SELECT e.district_number, e.school_code, e.enrollment_id, e.student_state_id, e.grade,
       st.birth_date
FROM enrollments AS e
JOIN students AS st
  ON st.district_number = e.district_number AND st.local_student_id = e.local_student_id
JOIN schools AS sc
  ON sc.school_code = e.school_code
WHERE e.grade >= sc.low_grade
  AND e.grade <= sc.high_grade
  AND (EXTRACT(YEAR FROM st.birth_date) < :school_year - 6 - CAST(e.grade AS INT) - 2
       OR EXTRACT(YEAR FROM st.birth_date) > :school_year - 6 - CAST(e.grade AS INT) + 2)
