-- id: SPED-002
-- title: Special education setting invalid for the student's age
-- severity: fatal
-- group: Special Ed / 504
-- description: An early-childhood setting (EC1-EC4) is reported for a student aged 6 or older, or a
--   school-age setting (SA1-SA6) for a student younger than 5, on the as-of date.
-- resolution: Check the student's birth date and correct the educational setting code on the IEP,
--   then re-run the report.
-- external_id: SPED-SET-0002
SELECT DISTINCT sp.district_number, sp.school_code, sp.iep_id, sp.student_state_id,
       sp.setting_code, st.birth_date
FROM special_ed AS sp
JOIN students AS st
  ON st.district_number = sp.district_number AND st.student_state_id = sp.student_state_id
WHERE (sp.setting_code LIKE 'EC%' AND st.birth_date <= CAST(:as_of_date AS DATE) - INTERVAL '6 years')
   OR (sp.setting_code LIKE 'SA%' AND st.birth_date > CAST(:as_of_date AS DATE) - INTERVAL '5 years')
