-- CreateTable
CREATE TABLE "FunctionBundle" (
    "hash" TEXT NOT NULL PRIMARY KEY,
    "code" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "catalogue" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdBy" TEXT
);

-- CreateIndex
CREATE INDEX "FunctionBundle_createdAt_idx" ON "FunctionBundle"("createdAt");

