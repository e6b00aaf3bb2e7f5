-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "dagName" TEXT;

-- CreateIndex
CREATE INDEX "Run_dagName_createdAt_idx" ON "Run"("dagName", "createdAt");

-- CreateIndex
CREATE INDEX "Run_startedBy_createdAt_idx" ON "Run"("startedBy", "createdAt");

