import {
  SettingsService,
  SETTINGS_CACHE_MS,
} from '../../src/modules/settings/settings.service';
import { DatabaseService } from '../../src/database/database.service';
import { eventually } from '../support/chat-stream';
import { startTestApp, type TestApp } from '../support/test-app';

/** Two API processes on one database: a change made through one is seen by the other within the cache time. */
describe('settings across API processes', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp({ database: a.db! });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('never serves a value older than the cache time after a change elsewhere', async () => {
    const settingsB = b.app.get(SettingsService);
    let clock = 1_000_000;
    settingsB.now = () => clock;

    expect(
      (
        await b.http.post('/api/auth/register', {
          email: 'one@example.com',
          password: 'password-1',
        })
      ).status,
    ).toBe(201);

    const admin = await a.login();
    const patch = await a.http.patch(
      '/api/admin/settings',
      { allow_registration: false },
      { token: admin },
    );
    expect(patch.status).toBe(200);
    // Process A sees its own change at once.
    expect(
      (
        await a.http.post('/api/auth/register', {
          email: 'two@example.com',
          password: 'password-1',
        })
      ).status,
    ).toBe(403);

    // Process B may still serve its cached value, but only within the cache time...
    clock += SETTINGS_CACHE_MS - 1;
    const stale = await b.http.post('/api/auth/register', {
      email: 'three@example.com',
      password: 'password-1',
    });
    expect(stale.status).toBe(201);
    // ...and not a moment after.
    clock += 1;
    const fresh = await b.http.post('/api/auth/register', {
      email: 'four@example.com',
      password: 'password-1',
    });
    expect(fresh.status).toBe(403);
    expect(fresh.body.code).toBe('REGISTRATION_CLOSED');
  });
});

/** One API process: a PATCH answers, and then serves, what it wrote, whatever reads were under way. */
describe('settings changed while a read is under way', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers a PATCH with its change and does not cache the older read', async () => {
    const settings = t.app.get(SettingsService);
    const db = t.app.get(DatabaseService);
    const admin = await t.login();
    let clock = 2_000_000;
    settings.now = () => clock;

    // Reads of the settings table return only when `release` is called, as if slow.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const query = db.query.bind(db);
    const spy = jest
      .spyOn(db, 'query')
      .mockImplementation(async (text, ...rest) => {
        const rows = await query(text, ...rest);
        if (text.startsWith('SELECT key, value FROM settings')) await held;
        return rows;
      });
    try {
      // A read of the settings starts (the cache has expired) and reads the old value...
      clock += SETTINGS_CACHE_MS;
      const reading = t.http.get('/api/admin/settings', { token: admin });
      await eventually(async () =>
        spy.mock.calls.some(([text]) =>
          text.startsWith('SELECT key, value FROM settings'),
        ),
      );
      // ...while a PATCH writes a new one.
      const patching = t.http.patch(
        '/api/admin/settings',
        { max_concurrent_streams_per_user: 7 },
        { token: admin },
      );
      await eventually(
        async () =>
          (
            await t.query(
              `SELECT value FROM settings WHERE key = 'max_concurrent_streams_per_user'`,
            )
          )[0]?.value === 7,
      );
      release();

      const [read, patch] = await Promise.all([reading, patching]);
      expect(read.status).toBe(200);
      expect(patch.status).toBe(200);
      expect(patch.body.max_concurrent_streams_per_user).toBe(7);
      // The process that made the change serves it at once, on the same clock.
      const after = await t.http.get('/api/admin/settings', { token: admin });
      expect(after.body.max_concurrent_streams_per_user).toBe(7);
    } finally {
      release();
      spy.mockRestore();
    }
  });
});
