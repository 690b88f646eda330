-- The outbox moves out of `events` into a queue table of its own (packages/db/src/schema.ts): what
-- was still unpublished stays to publish, in the same transaction as the change of layout.
CREATE TABLE "outbox" (
	"seq" bigint PRIMARY KEY NOT NULL
);
--> statement-breakpoint
INSERT INTO "outbox" ("seq") SELECT "seq" FROM "events" WHERE "published_at" IS NULL;--> statement-breakpoint
DROP INDEX "idx_events_unpublished";--> statement-breakpoint
ALTER TABLE "events" DROP COLUMN "published_at";
