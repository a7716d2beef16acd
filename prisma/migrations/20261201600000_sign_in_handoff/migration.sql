-- One-time codes handing a finished OIDC/CAS sign-in to the browser (server/sso/handoff.ts).

-- CreateTable
CREATE TABLE "SignInHandoff" (
    "codeHash" TEXT NOT NULL,
    "credentialId" UUID,
    "refusalCode" TEXT,
    "refusalParams" JSONB,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SignInHandoff_pkey" PRIMARY KEY ("codeHash")
);
