-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "parentRunId" TEXT,
ADD COLUMN     "reason" TEXT;

-- AlterTable
ALTER TABLE "Task" ADD COLUMN     "lostAt" TIMESTAMP(3),
ADD COLUMN     "lostMachine" TEXT,
ADD COLUMN     "resultStoreId" TEXT;

-- CreateIndex
CREATE INDEX "Run_parentRunId_idx" ON "Run"("parentRunId");

