import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openStore } from '../../src/store/index.ts';
import { elicitRepoSuite } from './repos-suite.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'tenet-elicit-repos-'));
elicitRepoSuite('elicitation repositories on SQLite', () => openStore(path.join(dir, 'e.db')), async () => rmSync(dir, { recursive: true, force: true }));

const PG_URL = process.env.TENET_TEST_PG_URL;
if (PG_URL) {
  const schema = `tenet_elicit_${randomBytes(6).toString('hex')}`;
  elicitRepoSuite(`elicitation repositories on Postgres (schema ${schema})`, () => openStore(PG_URL, { schema }), async () => {
    const admin = await openStore(PG_URL, { migrate: false });
    try {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.kysely);
    } finally {
      await admin.close();
    }
  });
} else {
  console.info('[elicit] Postgres repository tests skipped: set TENET_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test to run them');
}
