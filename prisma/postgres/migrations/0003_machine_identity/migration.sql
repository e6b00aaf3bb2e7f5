-- AlterTable
ALTER TABLE "Machine" ADD COLUMN     "addressOverride" TEXT,
ADD COLUMN     "identitySince" TIMESTAMP(3),
ADD COLUMN     "publicKey" TEXT;

