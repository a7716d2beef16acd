-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "StudentCategory" AS ENUM ('UNDERGRADUATE', 'POSTGRADUATE_DUAL', 'POSTGRADUATE_SINGLE');

-- CreateEnum
CREATE TYPE "DormitoryState" AS ENUM ('ON_CAMPUS', 'OFF_CAMPUS_CHECKED_OUT', 'OFF_CAMPUS_NOT_CHECKED_OUT');

-- CreateEnum
CREATE TYPE "ItemStatus" AS ENUM ('LOCKED', 'PENDING', 'APPROVED', 'REJECTED', 'WAIVED');

-- CreateEnum
CREATE TYPE "DecisionSource" AS ENUM ('REVIEWER', 'SYNC', 'POLICY', 'SELF', 'SYSTEM', 'ADMIN');

-- CreateEnum
CREATE TYPE "ScopeKind" AS ENUM ('UNIVERSITY', 'COLLEGE', 'CAMPUS', 'SUPERVISOR', 'SELF');

-- CreateEnum
CREATE TYPE "StaffRole" AS ENUM ('DEPARTMENT_REVIEWER', 'COLLEGE_REVIEWER', 'CAMPUS_REVIEWER', 'SUPERVISOR', 'COLLEGE_ADMIN', 'UNIVERSITY_ADMIN', 'INTEGRATION');

-- CreateTable
CREATE TABLE "Cohort" (
    "id" UUID NOT NULL,
    "year" INTEGER NOT NULL,
    "nameZh" TEXT NOT NULL,
    "nameEn" TEXT NOT NULL,
    "ruleSetVersion" INTEGER NOT NULL DEFAULT 1,
    "loginHelpZh" TEXT NOT NULL DEFAULT '',
    "loginHelpEn" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Cohort_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Campus" (
    "id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "nameZh" TEXT NOT NULL,
    "nameEn" TEXT NOT NULL,

    CONSTRAINT "Campus_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "College" (
    "id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "nameZh" TEXT NOT NULL,
    "nameEn" TEXT NOT NULL,

    CONSTRAINT "College_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Department" (
    "id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "nameZh" TEXT NOT NULL,
    "nameEn" TEXT NOT NULL,

    CONSTRAINT "Department_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DepartmentContact" (
    "id" UUID NOT NULL,
    "departmentId" UUID NOT NULL,
    "campusId" UUID,
    "phone" TEXT,
    "officeZh" TEXT NOT NULL,
    "officeEn" TEXT NOT NULL,
    "hoursZh" TEXT NOT NULL,
    "hoursEn" TEXT NOT NULL,

    CONSTRAINT "DepartmentContact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ItemTemplate" (
    "id" UUID NOT NULL,
    "cohortId" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "nameZh" TEXT NOT NULL,
    "nameEn" TEXT NOT NULL,
    "requirementZh" TEXT NOT NULL,
    "requirementEn" TEXT NOT NULL,
    "requirementVariants" JSONB NOT NULL DEFAULT '[]',
    "departmentId" UUID NOT NULL,
    "scope" "ScopeKind" NOT NULL,
    "applicability" JSONB NOT NULL,
    "prerequisites" TEXT[],
    "autoApproval" JSONB,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "ruleSetVersion" INTEGER NOT NULL DEFAULT 1,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ItemTemplate_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Student" (
    "id" UUID NOT NULL,
    "number" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "category" "StudentCategory" NOT NULL,
    "cohortId" UUID NOT NULL,
    "collegeId" UUID NOT NULL,
    "campusId" UUID NOT NULL,
    "firstSupervisorId" UUID,
    "secondSupervisorId" UUID,
    "dormitory" "DormitoryState" NOT NULL DEFAULT 'ON_CAMPUS',
    "surveyCompletedAt" TIMESTAMP(3),
    "clearedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Student_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Deferral" (
    "id" UUID NOT NULL,
    "studentId" UUID NOT NULL,
    "fromCohortId" UUID NOT NULL,
    "toCohortId" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "decidedById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Deferral_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Reviewer" (
    "id" UUID NOT NULL,
    "username" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "roles" "StaffRole"[],
    "departmentId" UUID,
    "collegeId" UUID,
    "campusId" UUID,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "apiTokenHash" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Reviewer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Credential" (
    "id" UUID NOT NULL,
    "studentId" UUID,
    "reviewerId" UUID,
    "passwordHash" TEXT NOT NULL,
    "mustChangePassword" BOOLEAN NOT NULL DEFAULT true,
    "tokenVersion" INTEGER NOT NULL DEFAULT 1,
    "passwordChangedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Credential_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LoginThrottle" (
    "key" TEXT NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "windowStartsAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lockedUntil" TIMESTAMP(3),

    CONSTRAINT "LoginThrottle_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "ClearanceItem" (
    "id" UUID NOT NULL,
    "studentId" UUID NOT NULL,
    "templateId" UUID NOT NULL,
    "cohortId" UUID NOT NULL,
    "status" "ItemStatus" NOT NULL,
    "reason" TEXT,
    "waiverCode" TEXT,
    "decidedById" UUID,
    "decidedAt" TIMESTAMP(3),
    "source" "DecisionSource",
    "externalRef" TEXT,
    "observedAt" TIMESTAMP(3),
    "syncedAt" TIMESTAMP(3),
    "waitingSince" TIMESTAMP(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ClearanceItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ClearanceEvent" (
    "seq" BIGSERIAL NOT NULL,
    "itemId" UUID NOT NULL,
    "studentId" UUID NOT NULL,
    "cohortId" UUID NOT NULL,
    "fromStatus" "ItemStatus",
    "toStatus" "ItemStatus" NOT NULL,
    "reason" TEXT,
    "source" "DecisionSource" NOT NULL,
    "actorReviewerId" UUID,
    "externalRef" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ClearanceEvent_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "Survey" (
    "id" UUID NOT NULL,
    "cohortId" UUID NOT NULL,
    "titleZh" TEXT NOT NULL,
    "titleEn" TEXT NOT NULL,
    "questions" JSONB NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Survey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SurveyResponse" (
    "id" UUID NOT NULL,
    "surveyId" UUID NOT NULL,
    "studentId" UUID NOT NULL,
    "answers" JSONB NOT NULL,
    "submittedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SurveyResponse_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Notification" (
    "id" UUID NOT NULL,
    "studentId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "titleZh" TEXT NOT NULL,
    "titleEn" TEXT NOT NULL,
    "bodyZh" TEXT NOT NULL,
    "bodyEn" TEXT NOT NULL,
    "createdById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "readAt" TIMESTAMP(3),

    CONSTRAINT "Notification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SyncRequest" (
    "id" UUID NOT NULL,
    "reviewerId" UUID NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "response" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SyncRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ItemStatusCount" (
    "cohortId" UUID NOT NULL,
    "templateId" UUID NOT NULL,
    "collegeId" UUID NOT NULL,
    "campusId" UUID NOT NULL,
    "category" "StudentCategory" NOT NULL,
    "status" "ItemStatus" NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "ItemStatusCount_pkey" PRIMARY KEY ("cohortId","templateId","collegeId","campusId","category","status")
);

-- CreateTable
CREATE TABLE "StudentClearanceCount" (
    "cohortId" UUID NOT NULL,
    "collegeId" UUID NOT NULL,
    "campusId" UUID NOT NULL,
    "category" "StudentCategory" NOT NULL,
    "cleared" BOOLEAN NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "StudentClearanceCount_pkey" PRIMARY KEY ("cohortId","collegeId","campusId","category","cleared")
);

-- CreateTable
CREATE TABLE "AdminAction" (
    "id" UUID NOT NULL,
    "actorId" UUID,
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AdminAction_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Cohort_year_key" ON "Cohort"("year");

-- CreateIndex
CREATE UNIQUE INDEX "Campus_code_key" ON "Campus"("code");

-- CreateIndex
CREATE UNIQUE INDEX "College_code_key" ON "College"("code");

-- CreateIndex
CREATE UNIQUE INDEX "Department_code_key" ON "Department"("code");

-- CreateIndex
CREATE INDEX "DepartmentContact_departmentId_idx" ON "DepartmentContact"("departmentId");

-- CreateIndex
CREATE UNIQUE INDEX "ItemTemplate_cohortId_code_key" ON "ItemTemplate"("cohortId", "code");

-- CreateIndex
CREATE UNIQUE INDEX "ItemTemplate_cohortId_sequence_key" ON "ItemTemplate"("cohortId", "sequence");

-- CreateIndex
CREATE UNIQUE INDEX "Student_number_key" ON "Student"("number");

-- CreateIndex
CREATE INDEX "Student_cohortId_collegeId_idx" ON "Student"("cohortId", "collegeId");

-- CreateIndex
CREATE INDEX "Student_firstSupervisorId_idx" ON "Student"("firstSupervisorId");

-- CreateIndex
CREATE INDEX "Deferral_fromCohortId_idx" ON "Deferral"("fromCohortId");

-- CreateIndex
CREATE INDEX "Deferral_studentId_idx" ON "Deferral"("studentId");

-- CreateIndex
CREATE UNIQUE INDEX "Reviewer_username_key" ON "Reviewer"("username");

-- CreateIndex
CREATE UNIQUE INDEX "Reviewer_apiTokenHash_key" ON "Reviewer"("apiTokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "Credential_studentId_key" ON "Credential"("studentId");

-- CreateIndex
CREATE UNIQUE INDEX "Credential_reviewerId_key" ON "Credential"("reviewerId");

-- CreateIndex
CREATE INDEX "ClearanceItem_templateId_status_idx" ON "ClearanceItem"("templateId", "status");

-- CreateIndex
CREATE INDEX "ClearanceItem_cohortId_status_idx" ON "ClearanceItem"("cohortId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "ClearanceItem_studentId_templateId_key" ON "ClearanceItem"("studentId", "templateId");

-- CreateIndex
CREATE INDEX "ClearanceEvent_itemId_seq_idx" ON "ClearanceEvent"("itemId", "seq");

-- CreateIndex
CREATE INDEX "ClearanceEvent_studentId_seq_idx" ON "ClearanceEvent"("studentId", "seq");

-- CreateIndex
CREATE INDEX "ClearanceEvent_cohortId_seq_idx" ON "ClearanceEvent"("cohortId", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "Survey_cohortId_key" ON "Survey"("cohortId");

-- CreateIndex
CREATE UNIQUE INDEX "SurveyResponse_surveyId_studentId_key" ON "SurveyResponse"("surveyId", "studentId");

-- CreateIndex
CREATE INDEX "Notification_studentId_createdAt_idx" ON "Notification"("studentId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "SyncRequest_reviewerId_idempotencyKey_key" ON "SyncRequest"("reviewerId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "AdminAction_kind_createdAt_idx" ON "AdminAction"("kind", "createdAt");

-- AddForeignKey
ALTER TABLE "DepartmentContact" ADD CONSTRAINT "DepartmentContact_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DepartmentContact" ADD CONSTRAINT "DepartmentContact_campusId_fkey" FOREIGN KEY ("campusId") REFERENCES "Campus"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ItemTemplate" ADD CONSTRAINT "ItemTemplate_cohortId_fkey" FOREIGN KEY ("cohortId") REFERENCES "Cohort"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ItemTemplate" ADD CONSTRAINT "ItemTemplate_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Student" ADD CONSTRAINT "Student_cohortId_fkey" FOREIGN KEY ("cohortId") REFERENCES "Cohort"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Student" ADD CONSTRAINT "Student_collegeId_fkey" FOREIGN KEY ("collegeId") REFERENCES "College"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Student" ADD CONSTRAINT "Student_campusId_fkey" FOREIGN KEY ("campusId") REFERENCES "Campus"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Student" ADD CONSTRAINT "Student_firstSupervisorId_fkey" FOREIGN KEY ("firstSupervisorId") REFERENCES "Reviewer"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Student" ADD CONSTRAINT "Student_secondSupervisorId_fkey" FOREIGN KEY ("secondSupervisorId") REFERENCES "Reviewer"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Deferral" ADD CONSTRAINT "Deferral_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Reviewer" ADD CONSTRAINT "Reviewer_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Reviewer" ADD CONSTRAINT "Reviewer_collegeId_fkey" FOREIGN KEY ("collegeId") REFERENCES "College"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Reviewer" ADD CONSTRAINT "Reviewer_campusId_fkey" FOREIGN KEY ("campusId") REFERENCES "Campus"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Credential" ADD CONSTRAINT "Credential_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Credential" ADD CONSTRAINT "Credential_reviewerId_fkey" FOREIGN KEY ("reviewerId") REFERENCES "Reviewer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ClearanceItem" ADD CONSTRAINT "ClearanceItem_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ClearanceItem" ADD CONSTRAINT "ClearanceItem_templateId_fkey" FOREIGN KEY ("templateId") REFERENCES "ItemTemplate"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ClearanceItem" ADD CONSTRAINT "ClearanceItem_cohortId_fkey" FOREIGN KEY ("cohortId") REFERENCES "Cohort"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ClearanceItem" ADD CONSTRAINT "ClearanceItem_decidedById_fkey" FOREIGN KEY ("decidedById") REFERENCES "Reviewer"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ClearanceEvent" ADD CONSTRAINT "ClearanceEvent_itemId_fkey" FOREIGN KEY ("itemId") REFERENCES "ClearanceItem"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ClearanceEvent" ADD CONSTRAINT "ClearanceEvent_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ClearanceEvent" ADD CONSTRAINT "ClearanceEvent_actorReviewerId_fkey" FOREIGN KEY ("actorReviewerId") REFERENCES "Reviewer"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Survey" ADD CONSTRAINT "Survey_cohortId_fkey" FOREIGN KEY ("cohortId") REFERENCES "Cohort"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SurveyResponse" ADD CONSTRAINT "SurveyResponse_surveyId_fkey" FOREIGN KEY ("surveyId") REFERENCES "Survey"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SurveyResponse" ADD CONSTRAINT "SurveyResponse_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Notification" ADD CONSTRAINT "Notification_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SyncRequest" ADD CONSTRAINT "SyncRequest_reviewerId_fkey" FOREIGN KEY ("reviewerId") REFERENCES "Reviewer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

