-- id: SPED-004
-- title: Invalid primary disability code
-- severity: fatal
-- group: Special Ed / 504
-- description: The IEP's primary disability is missing or is not one of the state's disability
--   codes (AU, DB, DD, ED, HI, ID, MD, OHI, OI, SLD, SLI, TBI, VI).
-- resolution: Enter the primary disability code from the student's eligibility determination,
--   then re-run the report.
-- external_id: SPED-DIS-0004
SELECT sp.district_number, sp.school_code, sp.iep_id, sp.student_state_id, sp.disability_code
FROM special_ed AS sp
WHERE sp.disability_code IS NULL
   OR sp.disability_code NOT IN ('AU', 'DB', 'DD', 'ED', 'HI', 'ID', 'MD', 'OHI', 'OI', 'SLD',
                                 'SLI', 'TBI', 'VI')
