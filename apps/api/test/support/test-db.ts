import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * The PostgreSQL server the tests use: `TEST_DATABASE_URL`, by default the
 * local server's `tally_test` database. Each test file gets a fresh database of
 * its own (named `tally_test_<random>`) so files never see each other's rows.
 */
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ||
  'postgres://postgres@127.0.0.1:5432/tally_test';

/** Refuses any database whose name does not say it is for tests. */
export function assertTestDatabase(url: string): void {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!/test/i.test(name)) {
    throw new Error(
      `Refusing to run tests on database "${name}": its name must contain "test"`,
    );
  }
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = '/' + db;
  return u.toString();
}

export async function createTestDatabase(): Promise<TestDatabase> {
  assertTestDatabase(TEST_DATABASE_URL);
  const name = `tally_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({
    connectionString: withDatabase(TEST_DATABASE_URL, 'postgres'),
  });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(TEST_DATABASE_URL, name);
  assertTestDatabase(url);
  return {
    url,
    name,
    async drop() {
      const c = new Client({
        connectionString: withDatabase(TEST_DATABASE_URL, 'postgres'),
      });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A direct connection to a test database, to look at (or change) rows behind the API's back. */
export async function sql(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<Record<string, any>[]> {
  assertTestDatabase(url);
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}
