-- Cohorts created by a deferral (or the demo's next cohort) had no login help: students of those
-- cohorts saw no one to call. They take the newest other cohort's help, as a deferral now does.
UPDATE "Cohort" AS c
SET "loginHelpZh" = source."loginHelpZh", "loginHelpEn" = source."loginHelpEn"
FROM (SELECT "loginHelpZh", "loginHelpEn" FROM "Cohort" WHERE "loginHelpZh" <> '' ORDER BY year DESC LIMIT 1) AS source
WHERE c."loginHelpZh" = '';
