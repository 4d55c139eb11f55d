import { SettingsService, SETTINGS_CACHE_MS } from '../../src/modules/settings/settings.service';
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

    expect((await b.http.post('/api/auth/register', { email: 'one@example.com', password: 'password-1' })).status).toBe(201);

    const admin = await a.login();
    const patch = await a.http.patch('/api/admin/settings', { allow_registration: false }, { token: admin });
    expect(patch.status).toBe(200);
    // Process A sees its own change at once.
    expect((await a.http.post('/api/auth/register', { email: 'two@example.com', password: 'password-1' })).status).toBe(403);

    // Process B may still serve its cached value, but only within the cache time...
    clock += SETTINGS_CACHE_MS - 1;
    const stale = await b.http.post('/api/auth/register', { email: 'three@example.com', password: 'password-1' });
    expect(stale.status).toBe(201);
    // ...and not a moment after.
    clock += 1;
    const fresh = await b.http.post('/api/auth/register', { email: 'four@example.com', password: 'password-1' });
    expect(fresh.status).toBe(403);
    expect(fresh.body.code).toBe('REGISTRATION_CLOSED');
  });
});
