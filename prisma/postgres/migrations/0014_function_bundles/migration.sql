-- CreateTable
CREATE TABLE "FunctionBundle" (
    "hash" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "catalogue" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdBy" TEXT,

    CONSTRAINT "FunctionBundle_pkey" PRIMARY KEY ("hash")
);

-- CreateIndex
CREATE INDEX "FunctionBundle_createdAt_idx" ON "FunctionBundle"("createdAt");

