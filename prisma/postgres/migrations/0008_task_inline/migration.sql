-- AlterTable
ALTER TABLE "Task" ADD COLUMN     "inline" BOOLEAN NOT NULL DEFAULT false;

