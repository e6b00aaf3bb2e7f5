-- AlterTable
ALTER TABLE "Task" ADD COLUMN     "codeHash" TEXT,
ADD COLUMN     "reusedFrom" TEXT;

