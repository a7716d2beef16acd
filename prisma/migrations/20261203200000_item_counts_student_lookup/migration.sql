-- The item counters' update trigger looks up only the touched students, by primary key. Joined
-- to the transition tables as before, the planner hashed a sequential scan of every Student
-- twice per statement (it cannot tell how few rows a transition table holds): some 8 ms of a
-- 500-item decision at 10,000 graduates, growing with the cohort. Same rows, same counts.
CREATE OR REPLACE FUNCTION item_counts_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "ItemStatusCount" ("cohortId", "templateId", "collegeId", "campusId", "category", "status", "count")
  SELECT d."cohortId", d."templateId", s."collegeId", s."campusId", s."category", d."status", sum(d.delta)
  FROM (
    SELECT i."studentId", i."cohortId", i."templateId", i."status", 1 AS delta FROM new_items i
    UNION ALL
    SELECT i."studentId", i."cohortId", i."templateId", i."status", -1 AS delta FROM old_items i
  ) d
  JOIN "Student" s ON s."id" = d."studentId" AND s."cohortId" = d."cohortId"
  WHERE s."id" = ANY(ARRAY(SELECT "studentId" FROM new_items UNION SELECT "studentId" FROM old_items))
  GROUP BY d."cohortId", d."templateId", s."collegeId", s."campusId", s."category", d."status"
  HAVING sum(d.delta) <> 0
  ON CONFLICT ("cohortId", "templateId", "collegeId", "campusId", "category", "status")
  DO UPDATE SET "count" = "ItemStatusCount"."count" + EXCLUDED."count";
  RETURN NULL;
END $$;
