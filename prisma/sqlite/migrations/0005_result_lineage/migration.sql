-- AlterTable
ALTER TABLE "Run" ADD COLUMN "parentRunId" TEXT;
ALTER TABLE "Run" ADD COLUMN "reason" TEXT;

-- AlterTable
ALTER TABLE "Task" ADD COLUMN "lostAt" DATETIME;
ALTER TABLE "Task" ADD COLUMN "lostMachine" TEXT;
ALTER TABLE "Task" ADD COLUMN "resultStoreId" TEXT;

-- CreateIndex
CREATE INDEX "Run_parentRunId_idx" ON "Run"("parentRunId");

