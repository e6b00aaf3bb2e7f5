-- AlterTable
ALTER TABLE "Task" ADD COLUMN "codeHash" TEXT;
ALTER TABLE "Task" ADD COLUMN "reusedFrom" TEXT;

