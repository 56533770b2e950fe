-- id: BEH-005
-- title: Participant of an unknown incident
-- severity: fatal
-- group: Behavior
-- description: A behavior participant refers to an incident id that does not exist in the
--   district's behavior incidents.
-- resolution: Add the missing incident, or correct the incident id on the participant record, then
--   re-run the report.
-- external_id: BEH-ORPH-0005
SELECT bp.district_number, bp.school_code, bp.incident_id, bp.student_state_id, bp.participant_role
FROM behavior_participants AS bp
WHERE NOT EXISTS (
  SELECT 1 FROM behavior_incidents AS i WHERE i.incident_id = bp.incident_id
)
