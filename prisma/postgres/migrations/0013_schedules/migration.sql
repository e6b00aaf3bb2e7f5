-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "triggerId" TEXT;

-- CreateTable
CREATE TABLE "Schedule" (
    "id" TEXT NOT NULL,
    "dagId" TEXT NOT NULL,
    "cron" TEXT NOT NULL,
    "timeZone" TEXT NOT NULL,
    "params" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "catchUp" TEXT NOT NULL,
    "catchUpLimit" INTEGER NOT NULL,
    "maxActiveRuns" INTEGER NOT NULL,
    "cursorAt" TIMESTAMP(3),
    "createdBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Schedule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ScheduleFiring" (
    "id" TEXT NOT NULL,
    "scheduleId" TEXT NOT NULL,
    "scheduledAt" TIMESTAMP(3) NOT NULL,
    "firedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "outcome" TEXT NOT NULL,
    "reason" TEXT,
    "runId" TEXT,

    CONSTRAINT "ScheduleFiring_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Webhook" (
    "id" TEXT NOT NULL,
    "dagId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "hmacSealed" TEXT,
    "hmacKeyId" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Webhook_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "id" TEXT NOT NULL,
    "webhookId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" INTEGER NOT NULL,
    "outcome" TEXT NOT NULL,
    "reason" TEXT,
    "runId" TEXT,

    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Schedule_dagId_idx" ON "Schedule"("dagId");

-- CreateIndex
CREATE INDEX "ScheduleFiring_scheduleId_firedAt_idx" ON "ScheduleFiring"("scheduleId", "firedAt");

-- CreateIndex
CREATE UNIQUE INDEX "ScheduleFiring_scheduleId_scheduledAt_key" ON "ScheduleFiring"("scheduleId", "scheduledAt");

-- CreateIndex
CREATE UNIQUE INDEX "Webhook_tokenHash_key" ON "Webhook"("tokenHash");

-- CreateIndex
CREATE INDEX "Webhook_dagId_idx" ON "Webhook"("dagId");

-- CreateIndex
CREATE INDEX "WebhookDelivery_webhookId_at_idx" ON "WebhookDelivery"("webhookId", "at");

-- CreateIndex
CREATE INDEX "Run_triggerId_status_idx" ON "Run"("triggerId", "status");

-- AddForeignKey
ALTER TABLE "Schedule" ADD CONSTRAINT "Schedule_dagId_fkey" FOREIGN KEY ("dagId") REFERENCES "Dag"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ScheduleFiring" ADD CONSTRAINT "ScheduleFiring_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "Schedule"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Webhook" ADD CONSTRAINT "Webhook_dagId_fkey" FOREIGN KEY ("dagId") REFERENCES "Dag"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_webhookId_fkey" FOREIGN KEY ("webhookId") REFERENCES "Webhook"("id") ON DELETE CASCADE ON UPDATE CASCADE;

