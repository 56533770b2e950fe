-- id: ATT-008
-- title: Student Tardiness listing
-- severity: info
-- group: Student Tardiness
-- description: Enrollments with ten or more tardies in the year, with the number of tardies and
--   the total minutes tardy, for review.
-- resolution: Review the listing; no correction is needed if the tardies are right.
-- external_id: TRD-LIST-0008
-- dataset: Student Tardiness
SELECT e.district_number, e.school_code, e.enrollment_id, e.student_state_id, e.grade,
       t.tardies, t.minutes_tardy
FROM enrollments AS e
JOIN (
  SELECT a.enrollment_id, COUNT(*) AS tardies, SUM(a.minutes_tardy) AS minutes_tardy
  FROM attendance_daily AS a
  WHERE a.attendance_code = 'T'
  GROUP BY a.enrollment_id
) AS t
  ON t.enrollment_id = e.enrollment_id
WHERE t.tardies >= 10
