// `pnpm --filter @taskflow/db search-language [<name>]`: prints the search language, or makes
// <name> (a Postgres text search configuration: english, german, simple...) the search language
// and re-stems every task with it.
import { connect } from './client.ts';
import { changeSearchLanguage, isSearchLanguage, searchLanguage } from './search-language.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error(
    'search-language: DATABASE_URL is not set (e.g. postgres://user:pass@host:5432/db)',
  );
  process.exit(2);
}
const name = process.argv[2];
const database = connect(url, { max: 1 });
try {
  if (name === undefined) {
    console.log(await searchLanguage(database.db));
  } else if (!(await isSearchLanguage(database.db, name))) {
    console.error(
      `search-language: Postgres has no text search configuration "${name}" (\\dF lists them)`,
    );
    process.exitCode = 2;
  } else {
    const count = await changeSearchLanguage(database, name);
    console.log(`search-language: ${name}; ${count} tasks re-stemmed`);
  }
} finally {
  await database.close();
}
