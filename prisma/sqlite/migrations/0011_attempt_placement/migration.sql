-- AlterTable
ALTER TABLE "Attempt" ADD COLUMN "placement" TEXT;

