-- id: ENR-005
-- title: Grade outside the school's grade span
-- severity: fatal
-- group: Enrollment
-- description: The enrollment's grade level is not offered at the school (it is outside the
--   school's low grade to high grade span).
-- resolution: Correct the grade level on the enrollment, or enroll the student at a school that
--   serves that grade; then re-run the report.
-- external_id: ENR-GRD-0505
SELECT e.district_number, e.school_code, e.enrollment_id, e.student_state_id, e.grade,
       sc.low_grade, sc.high_grade
FROM enrollments AS e
JOIN schools AS sc
  ON sc.school_code = e.school_code
WHERE e.grade < sc.low_grade
   OR e.grade > sc.high_grade
