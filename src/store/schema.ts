import type { Generated } from 'kysely';

/**
 * Every table of the store, as Kysely sees it. Times are epoch milliseconds (bigint in PostgreSQL,
 * integer in SQLite); JSON values are text, so both backends store them alike.
 */
export interface Database {
  jobs: JobsTable;
  job_events: JobEventsTable;
  schedules: SchedulesTable;
  api_tokens: ApiTokensTable;
}

export interface JobsTable {
  id: Generated<number>;
  kind: string;
  payload: string;
  status: string;
  priority: number;
  run_at: number;
  attempts: number;
  max_attempts: number;
  unique_key: string | null;
  concurrency_key: string | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  last_error: string | null;
  result: string | null;
  progress: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface JobEventsTable {
  id: Generated<number>;
  job_id: number;
  at: number;
  type: string;
  data: string | null;
}

export interface SchedulesTable {
  name: string;
  kind: string;
  payload: string;
  every_ms: number | null;
  cron: string | null;
  timezone: string | null;
  next_run_at: number;
  last_run_at: number | null;
  updated_at: number;
}

export interface ApiTokensTable {
  id: Generated<number>;
  name: string;
  role: string;
  token_hash: string;
  prefix: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}
