-- CreateTable
CREATE TABLE "LeaderLease" (
    "id" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "holderUrl" TEXT NOT NULL,
    "epoch" INTEGER NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LeaderLease_pkey" PRIMARY KEY ("id")
);
