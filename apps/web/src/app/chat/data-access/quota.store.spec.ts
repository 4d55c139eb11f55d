import { provideHttpClient, withInterceptors } from '@angular/common/http';
import {
  HttpTestingController,
  provideHttpClientTesting,
} from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { Quota } from '@tally/api-contract';
import { authInterceptor } from '../../core/auth/auth.interceptor';
import { AuthStore } from '../../core/auth/auth.store';
import { STORAGE_KEYS } from '../../core/storage';
import { QuotaStore } from './quota.store';

const URL = '/api/chats/quota';

function quota(used: number): Quota {
  return {
    messages: { used, limit: 100, remaining: 100 - used },
    tokens: { used: used * 10, limit: 500_000, remaining: 500_000 - used * 10 },
    resets_at: '2026-11-29T00:00:00.000Z',
    timezone: 'UTC',
    model: 'local',
  };
}

describe('QuotaStore polling', () => {
  let visibility: DocumentVisibilityState;
  let http: HttpTestingController;
  let store: QuotaStore;
  let stop: () => void;

  function setVisibility(state: DocumentVisibilityState): void {
    visibility = state;
    document.dispatchEvent(new Event('visibilitychange'));
  }

  /** Advance the fake clock and let the timers fire. */
  function advance(ms: number): void {
    vi.advanceTimersByTime(ms);
  }

  beforeEach(() => {
    vi.useFakeTimers();
    localStorage.clear();
    localStorage.setItem(STORAGE_KEYS.token, 'token-1');
    visibility = 'visible';
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      get: () => visibility,
    });
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([{ path: 'login', children: [] }]),
      ],
    });
    http = TestBed.inject(HttpTestingController);
    store = TestBed.inject(QuotaStore);
    stop = store.connect();
  });

  afterEach(() => {
    stop();
    http.verify();
    vi.useRealTimers();
  });

  it('fetches nothing until a page says which model (a chat still loading)', () => {
    advance(60_000);
    http.expectNone(() => true);
    store.useModel('local');
    advance(0);
    http.expectOne(`${URL}?model=local`).flush(quota(1));
    expect(store.quota()?.messages.used).toBe(1);
  });

  describe('once told the model', () => {
    beforeEach(() => store.useModel(null)); // the default model

    it('fetches at once, then every 30 seconds', () => {
      advance(0);
      http.expectOne(URL).flush(quota(1));
      expect(store.quota()?.messages.used).toBe(1);

      advance(29_999);
      http.expectNone(URL);
      advance(1);
      http.expectOne(URL).flush(quota(2));
      expect(store.quota()?.messages.used).toBe(2);

      advance(30_000);
      http.expectOne(URL).flush(quota(3));
      expect(store.quota()?.messages.used).toBe(3);
    });

    it('sends the access token', () => {
      advance(0);
      const request = http.expectOne(URL);
      expect(request.request.headers.get('Authorization')).toBe(
        'Bearer token-1',
      );
      request.flush(quota(0));
    });

    it('never has two requests out at once: a tick during a slow request is skipped', () => {
      advance(0);
      const slow = http.expectOne(URL);
      advance(30_000);
      advance(30_000);
      // still only the first one, and it was not cancelled either
      expect(http.match(URL)).toHaveLength(0);
      expect(slow.cancelled).toBe(false);
      slow.flush(quota(7));
      expect(store.quota()?.messages.used).toBe(7);

      advance(30_000);
      http.expectOne(URL).flush(quota(8));
    });

    it('does not poll while the tab is hidden, and fetches at once when it is shown again', () => {
      advance(0);
      http.expectOne(URL).flush(quota(1));

      setVisibility('hidden');
      advance(5 * 60_000);
      http.expectNone(URL);

      setVisibility('visible');
      advance(0);
      http.expectOne(URL).flush(quota(4));
      expect(store.quota()?.messages.used).toBe(4);
      advance(30_000);
      http.expectOne(URL).flush(quota(5));
    });

    it('drops a request in flight when the tab is hidden', () => {
      advance(0);
      const request = http.expectOne(URL);
      setVisibility('hidden');
      expect(request.cancelled).toBe(true);
    });

    it('stops when the user logs out, and forgets the quota', () => {
      advance(0);
      http.expectOne(URL).flush(quota(1));
      advance(30_000);
      const inFlight = http.expectOne(URL);

      TestBed.inject(AuthStore).logout();
      expect(inFlight.cancelled).toBe(true);
      expect(store.quota()).toBeNull();
      advance(10 * 60_000);
      http.expectNone(URL);
    });

    it('ends the session on a 401, which stops the polling', () => {
      advance(0);
      http
        .expectOne(URL)
        .flush(
          { message: 'expired' },
          { status: 401, statusText: 'Unauthorized' },
        );
      expect(TestBed.inject(AuthStore).isLoggedIn()).toBe(false);
      expect(localStorage.getItem(STORAGE_KEYS.token)).toBeNull();
      advance(60_000);
      http.expectNone(URL);
    });

    it('takes the quota of a done event at once', () => {
      advance(0);
      http.expectOne(URL).flush(quota(1));
      store.set(quota(9));
      expect(store.quota()?.messages.used).toBe(9);
    });

    it('does not let an older poll answer overwrite the quota of a done event', () => {
      advance(0);
      const stale = http.expectOne(URL);
      store.set(quota(9));
      stale.flush(quota(8));
      expect(store.quota()?.messages.used).toBe(9);
      advance(30_000);
      http.expectOne(URL).flush(quota(10));
      expect(store.quota()?.messages.used).toBe(10);
    });

    it('stops when the last watcher leaves', () => {
      advance(0);
      http.expectOne(URL).flush(quota(1));
      stop();
      advance(60_000);
      http.expectNone(URL);
    });

    it("asks for the chat's model, at once when it changes, dropping the answer for the one before", () => {
      advance(0);
      http.expectOne(URL).flush(quota(1));

      store.useModel('gpt-4o-mini');
      advance(0);
      const forMini = http.expectOne(`${URL}?model=gpt-4o-mini`);
      expect(forMini.request.params.get('model')).toBe('gpt-4o-mini');

      store.useModel('big');
      expect(forMini.cancelled).toBe(true);
      advance(0);
      http.expectOne(`${URL}?model=big`).flush({ ...quota(2), model: 'big' });
      expect(store.quota()?.model).toBe('big');

      store.useModel('big'); // the same model: nothing new to ask
      advance(0);
      http.expectNone(`${URL}?model=big`);
      advance(30_000);
      http.expectOne(`${URL}?model=big`).flush({ ...quota(3), model: 'big' });
      expect(store.quota()?.messages.used).toBe(3);

      store.useModel(null);
      advance(0);
      http.expectOne(URL).flush(quota(4));
      expect(store.quota()?.model).toBe('local');
    });

    it('keeps polling after a failed request', () => {
      advance(0);
      http
        .expectOne(URL)
        .flush(
          { message: 'down' },
          { status: 503, statusText: 'Service Unavailable' },
        );
      advance(30_000);
      http.expectOne(URL).flush(quota(2));
      expect(store.quota()?.messages.used).toBe(2);
    });
  });
});
