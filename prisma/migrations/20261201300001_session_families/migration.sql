-- CreateTable
CREATE TABLE "SessionFamily" (
    "id" UUID NOT NULL,
    "credentialId" UUID NOT NULL,
    "generation" INTEGER NOT NULL DEFAULT 1,
    "revokedAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SessionFamily_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SessionFamily_credentialId_expiresAt_idx" ON "SessionFamily"("credentialId", "expiresAt");

-- AddForeignKey
ALTER TABLE "SessionFamily" ADD CONSTRAINT "SessionFamily_credentialId_fkey" FOREIGN KEY ("credentialId") REFERENCES "Credential"("id") ON DELETE CASCADE ON UPDATE CASCADE;
