// `pnpm db:migrate`: applies the migrations to DATABASE_URL.
import { migrate } from './migrate.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('db:migrate: DATABASE_URL is not set (e.g. postgres://user:pass@host:5432/db)');
  process.exit(2);
}
await migrate(url);
console.log(`db:migrate: ${new URL(url).pathname.slice(1) || 'database'} is up to date`);
