-- AlterTable (SQLite adds a NOT NULL column with a constant default in place: no table copy)
ALTER TABLE "Task" ADD COLUMN "inline" BOOLEAN NOT NULL DEFAULT false;
