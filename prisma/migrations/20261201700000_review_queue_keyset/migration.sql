-- Review queue pages and counts that cost the same whatever the cohort's size.
--
-- Every item carries a copy of its student's college, campus and category and its review
-- scope: whose queue it is in, by its template's scope (the student's college for COLLEGE,
-- campus for CAMPUS, first supervisor for SUPERVISOR; the template's department otherwise,
-- which no scoped reviewer's queue asks for unless the template is UNIVERSITY-wide). Triggers
-- keep the copies: filled on insert, rewritten when the student or the template changes.
-- A queue page is then a few index range scans on (templateId, reviewScopeId, status,
-- waitingSince, id), and its counts per status come from ReviewQueueCount, kept by triggers
-- in the same transaction as every item change.

-- AlterTable
ALTER TABLE "ClearanceItem" ADD COLUMN "studentCollegeId" UUID,
ADD COLUMN "studentCampusId" UUID,
ADD COLUMN "studentCategory" "StudentCategory",
ADD COLUMN "reviewScopeId" UUID;

CREATE FUNCTION review_scope_id(scope "ScopeKind", department_id UUID, college_id UUID, campus_id UUID, first_supervisor_id UUID)
RETURNS UUID LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE scope
    WHEN 'COLLEGE' THEN college_id
    WHEN 'CAMPUS' THEN campus_id
    WHEN 'SUPERVISOR' THEN COALESCE(first_supervisor_id, department_id)
    ELSE department_id
  END
$$;

UPDATE "ClearanceItem" i
SET "studentCollegeId" = s."collegeId", "studentCampusId" = s."campusId", "studentCategory" = s."category",
    "reviewScopeId" = review_scope_id(t."scope", t."departmentId", s."collegeId", s."campusId", s."firstSupervisorId")
FROM "Student" s, "ItemTemplate" t
WHERE s."id" = i."studentId" AND t."id" = i."templateId";

-- A row trigger: whoever inserts items (sheets, imports, rule changes) need not know the copies.
CREATE FUNCTION clearance_item_fill_scope() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT s."collegeId", s."campusId", s."category",
         review_scope_id(t."scope", t."departmentId", s."collegeId", s."campusId", s."firstSupervisorId")
  INTO NEW."studentCollegeId", NEW."studentCampusId", NEW."studentCategory", NEW."reviewScopeId"
  FROM "Student" s, "ItemTemplate" t
  WHERE s."id" = NEW."studentId" AND t."id" = NEW."templateId";
  RETURN NEW;
END $$;

CREATE TRIGGER clearance_item_fill_scope BEFORE INSERT OR UPDATE OF "studentId", "templateId" ON "ClearanceItem"
  FOR EACH ROW EXECUTE FUNCTION clearance_item_fill_scope();

CREATE FUNCTION clearance_items_follow_student() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "ClearanceItem" i
  SET "studentCollegeId" = NEW."collegeId", "studentCampusId" = NEW."campusId", "studentCategory" = NEW."category",
      "reviewScopeId" = review_scope_id(t."scope", t."departmentId", NEW."collegeId", NEW."campusId", NEW."firstSupervisorId")
  FROM "ItemTemplate" t
  WHERE i."studentId" = NEW."id" AND t."id" = i."templateId";
  RETURN NULL;
END $$;

CREATE TRIGGER clearance_items_follow_student AFTER UPDATE OF "collegeId", "campusId", "category", "firstSupervisorId" ON "Student"
  FOR EACH ROW
  WHEN (OLD."collegeId" IS DISTINCT FROM NEW."collegeId" OR OLD."campusId" IS DISTINCT FROM NEW."campusId"
     OR OLD."category" IS DISTINCT FROM NEW."category" OR OLD."firstSupervisorId" IS DISTINCT FROM NEW."firstSupervisorId")
  EXECUTE FUNCTION clearance_items_follow_student();

CREATE FUNCTION clearance_items_follow_template() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "ClearanceItem" i
  SET "reviewScopeId" = review_scope_id(NEW."scope", NEW."departmentId", i."studentCollegeId", i."studentCampusId", s."firstSupervisorId")
  FROM "Student" s
  WHERE i."templateId" = NEW."id" AND s."id" = i."studentId";
  RETURN NULL;
END $$;

CREATE TRIGGER clearance_items_follow_template AFTER UPDATE OF "scope", "departmentId" ON "ItemTemplate"
  FOR EACH ROW
  WHEN (OLD."scope" IS DISTINCT FROM NEW."scope" OR OLD."departmentId" IS DISTINCT FROM NEW."departmentId")
  EXECUTE FUNCTION clearance_items_follow_template();

-- Keyset pages: one scoped reviewer's stream, and the university admin's per cohort.
CREATE INDEX "ClearanceItem_reviewQueue_idx" ON "ClearanceItem"("templateId", "reviewScopeId", "status", "waitingSince", "id");

DROP INDEX "ClearanceItem_cohortId_status_waitingSince_idx";
CREATE INDEX "ClearanceItem_cohortId_status_waitingSince_id_idx" ON "ClearanceItem"("cohortId", "status", "waitingSince", "id");

-- One stream of a queue page: at most page_size items of one status, of one (template, review
-- scope) or, for the university admin, one cohort, after the cursor in queue order (waiting
-- items by waitingSince then id, then the others by id), read in index order. The planner,
-- which cannot tell a stream of ten items from one of a million behind these parameters, would
-- sometimes read a whole stream through a bitmap and sort it; the SET clauses keep every
-- stream on its index, so a page costs the same whatever the size of the scope. Filters of the
-- student's facts are null for "any"; `search` is a LIKE literal (wildcards escaped).
CREATE FUNCTION review_queue_stream(
  template_id UUID, scope_id UUID, cohort_id UUID, item_status "ItemStatus",
  after_waiting TIMESTAMP(3), after_id UUID,
  college_id UUID, campus_id UUID, student_category "StudentCategory", search TEXT, page_size INTEGER)
RETURNS TABLE (id UUID, "waitingSince" TIMESTAMP(3))
LANGUAGE plpgsql STABLE
SET enable_bitmapscan = off SET enable_sort = off SET enable_seqscan = off
AS $$
DECLARE
  -- Waiting items after the cursor (all of them without one); none once the cursor is past them.
  waiting_after TIMESTAMP(3) := COALESCE(after_waiting, '-infinity');
  waiting_after_id UUID := CASE WHEN after_waiting IS NULL THEN '00000000-0000-0000-0000-000000000000' ELSE after_id END;
  skip_waiting BOOLEAN := after_waiting IS NULL AND after_id IS NOT NULL;
  -- Items not waiting come after every waiting one, by id.
  idle_after_id UUID := CASE WHEN skip_waiting THEN after_id ELSE '00000000-0000-0000-0000-000000000000' END;
BEGIN
  IF template_id IS NOT NULL THEN
    IF NOT skip_waiting THEN
      RETURN QUERY SELECT i.id, i."waitingSince" FROM "ClearanceItem" i
        WHERE i."templateId" = template_id AND i."reviewScopeId" = scope_id AND i.status = item_status
          AND (i."waitingSince", i.id) > (waiting_after, waiting_after_id)
          AND (college_id IS NULL OR i."studentCollegeId" = college_id) AND (campus_id IS NULL OR i."studentCampusId" = campus_id)
          AND (student_category IS NULL OR i."studentCategory" = student_category)
          AND (search IS NULL OR EXISTS (SELECT 1 FROM "Student" s WHERE s.id = i."studentId" AND (s.number LIKE search || '%' OR s.name LIKE '%' || search || '%')))
        ORDER BY i."waitingSince", i.id LIMIT page_size;
    END IF;
    RETURN QUERY SELECT i.id, i."waitingSince" FROM "ClearanceItem" i
      WHERE i."templateId" = template_id AND i."reviewScopeId" = scope_id AND i.status = item_status
        AND i."waitingSince" IS NULL AND i.id > idle_after_id
        AND (college_id IS NULL OR i."studentCollegeId" = college_id) AND (campus_id IS NULL OR i."studentCampusId" = campus_id)
        AND (student_category IS NULL OR i."studentCategory" = student_category)
        AND (search IS NULL OR EXISTS (SELECT 1 FROM "Student" s WHERE s.id = i."studentId" AND (s.number LIKE search || '%' OR s.name LIKE '%' || search || '%')))
      ORDER BY i."waitingSince", i.id LIMIT page_size;
  ELSE
    IF NOT skip_waiting THEN
      RETURN QUERY SELECT i.id, i."waitingSince" FROM "ClearanceItem" i
        WHERE i."cohortId" = cohort_id AND i.status = item_status
          AND (i."waitingSince", i.id) > (waiting_after, waiting_after_id)
          AND (college_id IS NULL OR i."studentCollegeId" = college_id) AND (campus_id IS NULL OR i."studentCampusId" = campus_id)
          AND (student_category IS NULL OR i."studentCategory" = student_category)
          AND (search IS NULL OR EXISTS (SELECT 1 FROM "Student" s WHERE s.id = i."studentId" AND (s.number LIKE search || '%' OR s.name LIKE '%' || search || '%')))
        ORDER BY i."waitingSince", i.id LIMIT page_size;
    END IF;
    RETURN QUERY SELECT i.id, i."waitingSince" FROM "ClearanceItem" i
      WHERE i."cohortId" = cohort_id AND i.status = item_status
        AND i."waitingSince" IS NULL AND i.id > idle_after_id
        AND (college_id IS NULL OR i."studentCollegeId" = college_id) AND (campus_id IS NULL OR i."studentCampusId" = campus_id)
        AND (student_category IS NULL OR i."studentCategory" = student_category)
        AND (search IS NULL OR EXISTS (SELECT 1 FROM "Student" s WHERE s.id = i."studentId" AND (s.number LIKE search || '%' OR s.name LIKE '%' || search || '%')))
      ORDER BY i."waitingSince", i.id LIMIT page_size;
  END IF;
END $$;

-- CreateTable
CREATE TABLE "ReviewQueueCount" (
    "templateId" UUID NOT NULL,
    "reviewScopeId" UUID NOT NULL,
    "collegeId" UUID NOT NULL,
    "campusId" UUID NOT NULL,
    "category" "StudentCategory" NOT NULL,
    "status" "ItemStatus" NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "ReviewQueueCount_pkey" PRIMARY KEY ("templateId","reviewScopeId","collegeId","campusId","category","status")
);

-- Unlike ItemStatusCount, every item counts, also a deferred student's decided items left in
-- the old cohort: the queue lists them too. The item's own copies are the key, so no join.
CREATE FUNCTION review_queue_counts_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "ReviewQueueCount" ("templateId", "reviewScopeId", "collegeId", "campusId", "category", "status", "count")
  SELECT d."templateId", d."reviewScopeId", d."studentCollegeId", d."studentCampusId", d."studentCategory", d."status", sum(d.delta)
  FROM (
    SELECT i."templateId", i."reviewScopeId", i."studentCollegeId", i."studentCampusId", i."studentCategory", i."status", 1 AS delta FROM new_items i
    UNION ALL
    SELECT i."templateId", i."reviewScopeId", i."studentCollegeId", i."studentCampusId", i."studentCategory", i."status", -1 AS delta FROM old_items i
  ) d
  GROUP BY 1, 2, 3, 4, 5, 6
  HAVING sum(d.delta) <> 0
  ON CONFLICT ("templateId", "reviewScopeId", "collegeId", "campusId", "category", "status")
  DO UPDATE SET "count" = "ReviewQueueCount"."count" + EXCLUDED."count";
  RETURN NULL;
END $$;

CREATE FUNCTION review_queue_counts_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "ReviewQueueCount" ("templateId", "reviewScopeId", "collegeId", "campusId", "category", "status", "count")
  SELECT i."templateId", i."reviewScopeId", i."studentCollegeId", i."studentCampusId", i."studentCategory", i."status", count(*)
  FROM new_items i
  GROUP BY 1, 2, 3, 4, 5, 6
  ON CONFLICT ("templateId", "reviewScopeId", "collegeId", "campusId", "category", "status")
  DO UPDATE SET "count" = "ReviewQueueCount"."count" + EXCLUDED."count";
  RETURN NULL;
END $$;

CREATE FUNCTION review_queue_counts_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "ReviewQueueCount" ("templateId", "reviewScopeId", "collegeId", "campusId", "category", "status", "count")
  SELECT i."templateId", i."reviewScopeId", i."studentCollegeId", i."studentCampusId", i."studentCategory", i."status", -count(*)
  FROM old_items i
  GROUP BY 1, 2, 3, 4, 5, 6
  ON CONFLICT ("templateId", "reviewScopeId", "collegeId", "campusId", "category", "status")
  DO UPDATE SET "count" = "ReviewQueueCount"."count" + EXCLUDED."count";
  RETURN NULL;
END $$;

CREATE TRIGGER review_queue_counts_insert AFTER INSERT ON "ClearanceItem"
  REFERENCING NEW TABLE AS new_items FOR EACH STATEMENT EXECUTE FUNCTION review_queue_counts_after_insert();
CREATE TRIGGER review_queue_counts_update AFTER UPDATE ON "ClearanceItem"
  REFERENCING OLD TABLE AS old_items NEW TABLE AS new_items FOR EACH STATEMENT EXECUTE FUNCTION review_queue_counts_after_update();
CREATE TRIGGER review_queue_counts_delete AFTER DELETE ON "ClearanceItem"
  REFERENCING OLD TABLE AS old_items FOR EACH STATEMENT EXECUTE FUNCTION review_queue_counts_after_delete();

-- Counts for data that existed before this migration.
INSERT INTO "ReviewQueueCount" ("templateId", "reviewScopeId", "collegeId", "campusId", "category", "status", "count")
SELECT i."templateId", i."reviewScopeId", i."studentCollegeId", i."studentCampusId", i."studentCategory", i."status", count(*)
FROM "ClearanceItem" i
GROUP BY 1, 2, 3, 4, 5, 6;
