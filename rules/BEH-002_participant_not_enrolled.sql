-- id: BEH-002
-- title: Incident participant not enrolled at the school that day
-- severity: warning
-- group: Behavior
-- description: A student listed in a behavior incident had no enrollment at the incident's school
--   on the incident date.
-- resolution: Check the participant's state id and the incident's school and date; correct the
--   one that is wrong, then re-run the report.
-- external_id: BEH-ENR-0002
SELECT bp.district_number, bp.school_code, bp.incident_id, bp.student_state_id,
       bp.participant_role, i.incident_date
FROM behavior_participants AS bp
JOIN behavior_incidents AS i
  ON i.incident_id = bp.incident_id
LEFT JOIN (
  -- participants enrolled at the incident's school on the incident date
  SELECT DISTINCT bp2.incident_id, bp2.student_state_id
  FROM behavior_participants AS bp2
  JOIN behavior_incidents AS i2
    ON i2.incident_id = bp2.incident_id
  JOIN enrollments AS e
    ON e.student_state_id = bp2.student_state_id AND e.school_code = i2.school_code
  WHERE e.start_date <= i2.incident_date
    AND COALESCE(e.end_date, DATE '9999-12-31') >= i2.incident_date
) AS enrolled
  ON enrolled.incident_id = bp.incident_id AND enrolled.student_state_id = bp.student_state_id
WHERE enrolled.incident_id IS NULL
