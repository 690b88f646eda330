-- IF NOT EXISTS: on a large existing `events` table, create the index first without blocking
-- writes (`CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_events_aggregate_seq ON events
-- (aggregate_id, seq);`, see docs/operations.md); this migration then finds it and does nothing.
CREATE INDEX IF NOT EXISTS "idx_events_aggregate_seq" ON "events" USING btree ("aggregate_id","seq");
