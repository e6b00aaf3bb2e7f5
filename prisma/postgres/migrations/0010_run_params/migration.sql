-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "params" TEXT,
ADD COLUMN     "template" TEXT;

