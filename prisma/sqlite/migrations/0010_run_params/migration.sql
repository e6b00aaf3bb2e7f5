-- AlterTable
ALTER TABLE "Run" ADD COLUMN "params" TEXT;
ALTER TABLE "Run" ADD COLUMN "template" TEXT;

