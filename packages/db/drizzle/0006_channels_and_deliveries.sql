CREATE TABLE "channels" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"kind" text NOT NULL,
	"address" text NOT NULL,
	"status" text DEFAULT 'unverified' NOT NULL,
	"use_by_default" boolean DEFAULT true NOT NULL,
	"time_zone" text DEFAULT 'UTC' NOT NULL,
	"secret" text,
	"unsubscribe_token" text,
	"verify_token_hash" text,
	"verify_expires_at" timestamp (3) with time zone,
	"verified_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "unique_channel_per_user_address" UNIQUE("user_id","kind","address"),
	CONSTRAINT "channels_kind" CHECK ("channels"."kind" in ('email', 'webhook')),
	CONSTRAINT "channels_status" CHECK ("channels"."status" in ('unverified', 'verified', 'unsubscribed')),
	CONSTRAINT "channels_webhook_secret" CHECK (("channels"."kind" = 'webhook') = ("channels"."secret" is not null))
);
--> statement-breakpoint
CREATE TABLE "deliveries" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"channel_id" uuid NOT NULL,
	"purpose" text NOT NULL,
	"reminder_id" uuid,
	"task_id" uuid,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp (3) with time zone DEFAULT now(),
	"last_error" text,
	"sent_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "deliveries_purpose" CHECK ("deliveries"."purpose" in ('reminder', 'verification')),
	CONSTRAINT "deliveries_status" CHECK ("deliveries"."status" in ('pending', 'sending', 'sent', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "task_channels" (
	"task_id" uuid NOT NULL,
	"user_id" text NOT NULL,
	"channel_ids" uuid[] NOT NULL,
	CONSTRAINT "task_channels_task_id_user_id_pk" PRIMARY KEY("task_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "channels" ADD CONSTRAINT "channels_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_channels" ADD CONSTRAINT "task_channels_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_channels" ADD CONSTRAINT "task_channels_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "idx_channels_verify_token" ON "channels" USING btree ("verify_token_hash") WHERE "channels"."verify_token_hash" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "idx_channels_unsubscribe_token" ON "channels" USING btree ("unsubscribe_token") WHERE "channels"."unsubscribe_token" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "unique_delivery_per_reminder_channel" ON "deliveries" USING btree ("reminder_id","channel_id") WHERE "deliveries"."reminder_id" is not null;--> statement-breakpoint
CREATE INDEX "idx_deliveries_due" ON "deliveries" USING btree ("next_attempt_at") WHERE "deliveries"."status" in ('pending', 'sending');--> statement-breakpoint
CREATE INDEX "idx_deliveries_user" ON "deliveries" USING btree ("user_id","status","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);