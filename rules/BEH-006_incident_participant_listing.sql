-- id: BEH-006
-- title: Behavior incidents listing
-- severity: info
-- group: Behavior
-- description: Every incident participant with the incident's date, code and resolution, and the
--   student's name, for review before certifying behavior data.
-- resolution: Review the listing; correct any incident details that differ from the school's
--   discipline records, then re-run the report.
-- external_id: BEH-LIST-0006
-- dataset: Behavior Incidents
SELECT bp.district_number, bp.school_code, bp.incident_id, bp.student_state_id, st.last_name,
       st.first_name, bp.participant_role, i.incident_date, i.incident_code, i.resolution_code,
       i.resolution_date
FROM behavior_participants AS bp
LEFT JOIN behavior_incidents AS i
  ON i.incident_id = bp.incident_id
LEFT JOIN students AS st
  ON st.district_number = bp.district_number AND st.student_state_id = bp.student_state_id
