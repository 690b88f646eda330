ALTER TABLE "reminders" ADD COLUMN "offset_seconds" integer;--> statement-breakpoint
ALTER TABLE "reminders" ADD COLUMN "status" text DEFAULT 'pending' NOT NULL;--> statement-breakpoint
ALTER TABLE "reminders" ADD COLUMN "settled_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "reminders" ADD COLUMN "late" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "recurrence_mode" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "series_start" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "occurrence_at" timestamp (3) with time zone;--> statement-breakpoint
CREATE INDEX "idx_reminders_pending_due" ON "reminders" USING btree ("remind_at") WHERE "reminders"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "idx_reminders_task" ON "reminders" USING btree ("task_id");--> statement-breakpoint
CREATE UNIQUE INDEX "unique_instance_per_occurrence" ON "tasks" USING btree ("series_id","occurrence_at") WHERE "tasks"."series_id" is not null;--> statement-breakpoint
ALTER TABLE "reminders" ADD CONSTRAINT "reminders_status" CHECK ("reminders"."status" in ('pending', 'fired', 'missed', 'cancelled'));--> statement-breakpoint
ALTER TABLE "reminders" ADD CONSTRAINT "reminders_offset_positive" CHECK ("reminders"."offset_seconds" is null or "reminders"."offset_seconds" >= 0);--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_recurrence_mode" CHECK ("tasks"."recurrence_mode" is null or "tasks"."recurrence_mode" in ('schedule', 'completion'));