-- AlterTable
ALTER TABLE "Machine" ADD COLUMN "addressOverride" TEXT;
ALTER TABLE "Machine" ADD COLUMN "identitySince" DATETIME;
ALTER TABLE "Machine" ADD COLUMN "publicKey" TEXT;

