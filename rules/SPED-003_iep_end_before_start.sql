-- id: SPED-003
-- title: IEP end date before its start date
-- severity: fatal
-- group: Special Ed / 504
-- description: The IEP's end date is earlier than its start date.
-- resolution: Correct the IEP start or end date in the special education record, then re-run the
--   report.
-- external_id: SPED-DATE-0003
SELECT sp.district_number, sp.school_code, sp.iep_id, sp.student_state_id, sp.iep_start_date,
       sp.iep_end_date
FROM special_ed AS sp
WHERE sp.iep_end_date < sp.iep_start_date
