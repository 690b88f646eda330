-- unique_instance_per_occurrence (series_id, occurrence_at) WHERE series_id IS NOT NULL serves every
-- lookup by series, ordered by occurrence too; this one only cost an index entry per task.
DROP INDEX "idx_tasks_series";
