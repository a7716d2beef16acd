-- Event sequence in commit order, and live counters for CohortStats kept by triggers.

-- DropIndex
DROP INDEX "ClearanceItem_cohortId_status_idx";

-- CreateIndex
CREATE INDEX "ClearanceItem_cohortId_status_waitingSince_idx" ON "ClearanceItem"("cohortId", "status", "waitingSince");

-- CreateTable
CREATE TABLE "EventCounter" (
    "id" INTEGER NOT NULL,
    "value" BIGINT NOT NULL,

    CONSTRAINT "EventCounter_pkey" PRIMARY KEY ("id")
);

INSERT INTO "EventCounter" ("id", "value") SELECT 1, COALESCE(max("seq"), 0) FROM "ClearanceEvent";

-- Reserves n consecutive sequence numbers and returns the first. The counter row stays
-- locked until the transaction ends, so numbers are handed out in commit order.
CREATE FUNCTION reserve_event_seqs(n BIGINT) RETURNS BIGINT LANGUAGE sql AS $$
  UPDATE "EventCounter" SET "value" = "value" + n WHERE "id" = 1 RETURNING "value" - n + 1
$$;

CREATE FUNCTION next_event_seq() RETURNS BIGINT LANGUAGE sql AS $$
  SELECT reserve_event_seqs(1)
$$;

-- AlterTable
ALTER TABLE "ClearanceEvent" ALTER COLUMN "seq" SET DEFAULT next_event_seq();
DROP SEQUENCE "ClearanceEvent_seq_seq";

-- Item counters: an item counts in its cohort only while its student belongs to that cohort.
CREATE FUNCTION item_counts_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "ItemStatusCount" ("cohortId", "templateId", "collegeId", "campusId", "category", "status", "count")
  SELECT d."cohortId", d."templateId", d."collegeId", d."campusId", d."category", d."status", sum(d.delta)
  FROM (
    SELECT i."cohortId", i."templateId", s."collegeId", s."campusId", s."category", i."status", 1 AS delta
    FROM new_items i JOIN "Student" s ON s."id" = i."studentId" AND s."cohortId" = i."cohortId"
    UNION ALL
    SELECT i."cohortId", i."templateId", s."collegeId", s."campusId", s."category", i."status", -1 AS delta
    FROM old_items i JOIN "Student" s ON s."id" = i."studentId" AND s."cohortId" = i."cohortId"
  ) d
  GROUP BY 1, 2, 3, 4, 5, 6
  HAVING sum(d.delta) <> 0
  ON CONFLICT ("cohortId", "templateId", "collegeId", "campusId", "category", "status")
  DO UPDATE SET "count" = "ItemStatusCount"."count" + EXCLUDED."count";
  RETURN NULL;
END $$;

CREATE FUNCTION item_counts_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "ItemStatusCount" ("cohortId", "templateId", "collegeId", "campusId", "category", "status", "count")
  SELECT i."cohortId", i."templateId", s."collegeId", s."campusId", s."category", i."status", count(*)
  FROM new_items i JOIN "Student" s ON s."id" = i."studentId" AND s."cohortId" = i."cohortId"
  GROUP BY 1, 2, 3, 4, 5, 6
  ON CONFLICT ("cohortId", "templateId", "collegeId", "campusId", "category", "status")
  DO UPDATE SET "count" = "ItemStatusCount"."count" + EXCLUDED."count";
  RETURN NULL;
END $$;

CREATE FUNCTION item_counts_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "ItemStatusCount" ("cohortId", "templateId", "collegeId", "campusId", "category", "status", "count")
  SELECT i."cohortId", i."templateId", s."collegeId", s."campusId", s."category", i."status", -count(*)
  FROM old_items i JOIN "Student" s ON s."id" = i."studentId" AND s."cohortId" = i."cohortId"
  GROUP BY 1, 2, 3, 4, 5, 6
  ON CONFLICT ("cohortId", "templateId", "collegeId", "campusId", "category", "status")
  DO UPDATE SET "count" = "ItemStatusCount"."count" + EXCLUDED."count";
  RETURN NULL;
END $$;

CREATE TRIGGER item_counts_insert AFTER INSERT ON "ClearanceItem"
  REFERENCING NEW TABLE AS new_items FOR EACH STATEMENT EXECUTE FUNCTION item_counts_after_insert();
CREATE TRIGGER item_counts_update AFTER UPDATE ON "ClearanceItem"
  REFERENCING OLD TABLE AS old_items NEW TABLE AS new_items FOR EACH STATEMENT EXECUTE FUNCTION item_counts_after_update();
CREATE TRIGGER item_counts_delete AFTER DELETE ON "ClearanceItem"
  REFERENCING OLD TABLE AS old_items FOR EACH STATEMENT EXECUTE FUNCTION item_counts_after_delete();

-- A student's change of cohort, college, campus or category moves their items' counts.
CREATE FUNCTION item_counts_follow_student() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "ItemStatusCount" ("cohortId", "templateId", "collegeId", "campusId", "category", "status", "count")
  SELECT d."cohortId", d."templateId", d."collegeId", d."campusId", d."category", d."status", sum(d.delta)
  FROM (
    SELECT i."cohortId", i."templateId", OLD."collegeId", OLD."campusId", OLD."category", i."status", -1 AS delta
    FROM "ClearanceItem" i WHERE i."studentId" = OLD."id" AND i."cohortId" = OLD."cohortId"
    UNION ALL
    SELECT i."cohortId", i."templateId", NEW."collegeId", NEW."campusId", NEW."category", i."status", 1 AS delta
    FROM "ClearanceItem" i WHERE i."studentId" = NEW."id" AND i."cohortId" = NEW."cohortId"
  ) d
  GROUP BY 1, 2, 3, 4, 5, 6
  HAVING sum(d.delta) <> 0
  ON CONFLICT ("cohortId", "templateId", "collegeId", "campusId", "category", "status")
  DO UPDATE SET "count" = "ItemStatusCount"."count" + EXCLUDED."count";
  RETURN NULL;
END $$;

CREATE TRIGGER item_counts_student_moved AFTER UPDATE OF "cohortId", "collegeId", "campusId", "category" ON "Student"
  FOR EACH ROW
  WHEN (OLD."cohortId" IS DISTINCT FROM NEW."cohortId" OR OLD."collegeId" IS DISTINCT FROM NEW."collegeId"
     OR OLD."campusId" IS DISTINCT FROM NEW."campusId" OR OLD."category" IS DISTINCT FROM NEW."category")
  EXECUTE FUNCTION item_counts_follow_student();

-- Graduate counters: cleared or not, per cohort, college, campus and category.
CREATE FUNCTION student_counts_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "StudentClearanceCount" ("cohortId", "collegeId", "campusId", "category", "cleared", "count")
  SELECT d."cohortId", d."collegeId", d."campusId", d."category", d.cleared, sum(d.delta)
  FROM (
    SELECT s."cohortId", s."collegeId", s."campusId", s."category", s."clearedAt" IS NOT NULL AS cleared, 1 AS delta
    FROM new_students s
    UNION ALL
    SELECT s."cohortId", s."collegeId", s."campusId", s."category", s."clearedAt" IS NOT NULL AS cleared, -1 AS delta
    FROM old_students s
  ) d
  GROUP BY 1, 2, 3, 4, 5
  HAVING sum(d.delta) <> 0
  ON CONFLICT ("cohortId", "collegeId", "campusId", "category", "cleared")
  DO UPDATE SET "count" = "StudentClearanceCount"."count" + EXCLUDED."count";
  RETURN NULL;
END $$;

CREATE FUNCTION student_counts_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "StudentClearanceCount" ("cohortId", "collegeId", "campusId", "category", "cleared", "count")
  SELECT s."cohortId", s."collegeId", s."campusId", s."category", s."clearedAt" IS NOT NULL, count(*)
  FROM new_students s GROUP BY 1, 2, 3, 4, 5
  ON CONFLICT ("cohortId", "collegeId", "campusId", "category", "cleared")
  DO UPDATE SET "count" = "StudentClearanceCount"."count" + EXCLUDED."count";
  RETURN NULL;
END $$;

CREATE FUNCTION student_counts_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "StudentClearanceCount" ("cohortId", "collegeId", "campusId", "category", "cleared", "count")
  SELECT s."cohortId", s."collegeId", s."campusId", s."category", s."clearedAt" IS NOT NULL, -count(*)
  FROM old_students s GROUP BY 1, 2, 3, 4, 5
  ON CONFLICT ("cohortId", "collegeId", "campusId", "category", "cleared")
  DO UPDATE SET "count" = "StudentClearanceCount"."count" + EXCLUDED."count";
  RETURN NULL;
END $$;

CREATE TRIGGER student_counts_insert AFTER INSERT ON "Student"
  REFERENCING NEW TABLE AS new_students FOR EACH STATEMENT EXECUTE FUNCTION student_counts_after_insert();
CREATE TRIGGER student_counts_update AFTER UPDATE ON "Student"
  REFERENCING OLD TABLE AS old_students NEW TABLE AS new_students FOR EACH STATEMENT EXECUTE FUNCTION student_counts_after_update();
CREATE TRIGGER student_counts_delete AFTER DELETE ON "Student"
  REFERENCING OLD TABLE AS old_students FOR EACH STATEMENT EXECUTE FUNCTION student_counts_after_delete();

-- Counts for data that existed before this migration.
INSERT INTO "ItemStatusCount" ("cohortId", "templateId", "collegeId", "campusId", "category", "status", "count")
SELECT i."cohortId", i."templateId", s."collegeId", s."campusId", s."category", i."status", count(*)
FROM "ClearanceItem" i JOIN "Student" s ON s."id" = i."studentId" AND s."cohortId" = i."cohortId"
GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO "StudentClearanceCount" ("cohortId", "collegeId", "campusId", "category", "cleared", "count")
SELECT s."cohortId", s."collegeId", s."campusId", s."category", s."clearedAt" IS NOT NULL, count(*)
FROM "Student" s GROUP BY 1, 2, 3, 4, 5;
