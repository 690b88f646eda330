-- btree_gin: user_id in the same GIN index as the search vectors (a trusted extension: the
-- database owner may create it; Postgres's contrib, on Neon, RDS, Cloud SQL and the npm binaries).
CREATE EXTENSION IF NOT EXISTS btree_gin;
--> statement-breakpoint
CREATE TABLE "search_settings" (
	"id" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"language" text NOT NULL,
	CONSTRAINT "search_settings_one_row" CHECK ("search_settings"."id")
);
--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "priority" smallint;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "tags" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "search" "tsvector" DEFAULT ''::tsvector NOT NULL;--> statement-breakpoint
CREATE INDEX "idx_tasks_user_search" ON "tasks" USING gin ("user_id","search");--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_priority" CHECK ("tasks"."priority" between 1 and 4);--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_tags_count" CHECK (cardinality("tasks"."tags") <= 20);--> statement-breakpoint
-- The search language: one row, changed by `pnpm --filter @taskflow/db search-language <name>`.
INSERT INTO "search_settings" ("id", "language") VALUES (true, 'english');
--> statement-breakpoint
-- What a task's title (weight A) and description (B) say, as the search language stems them.
-- STABLE, not IMMUTABLE: it reads the setting, so it cannot be a generated column.
CREATE FUNCTION "search_language"() RETURNS regconfig LANGUAGE sql STABLE AS $$
  SELECT "language"::regconfig FROM "search_settings"
$$;
--> statement-breakpoint
CREATE FUNCTION "task_search_vector"(title text, description text) RETURNS tsvector
LANGUAGE sql STABLE AS $$
  SELECT setweight(to_tsvector(l.cfg, title), 'A')
      || setweight(to_tsvector(l.cfg, coalesce(description, '')), 'B')
  FROM (SELECT "search_language"() AS cfg) AS l
$$;
--> statement-breakpoint
-- Every writer (task-api, the scheduler's spawns, a rebuild) keeps `search` right by writing
-- only title and description.
CREATE FUNCTION "tasks_search_trigger"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."search" := "task_search_vector"(NEW."title", NEW."description");
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "tasks_search" BEFORE INSERT OR UPDATE OF "title", "description" ON "tasks"
  FOR EACH ROW EXECUTE FUNCTION "tasks_search_trigger"();
--> statement-breakpoint
UPDATE "tasks" SET "search" = "task_search_vector"("title", "description");
