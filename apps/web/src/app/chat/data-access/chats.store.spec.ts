import { provideHttpClient, withInterceptors } from '@angular/common/http';
import {
  HttpTestingController,
  provideHttpClientTesting,
} from '@angular/common/http/testing';
import { provideZonelessChangeDetection } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { Chat } from '@tally/api-contract';
import { authInterceptor } from '../../core/auth/auth.interceptor';
import { AuthStore } from '../../core/auth/auth.store';
import { STORAGE_KEYS } from '../../core/storage';
import { ChatsStore } from './chats.store';

const chat = (id: string, title: string): Chat => ({
  id,
  title,
  model: 'local',
  created_at: '2026-11-28T10:00:00.000Z',
  updated_at: '2026-11-28T10:00:00.000Z',
});

describe('ChatsStore', () => {
  let http: HttpTestingController;
  let store: ChatsStore;

  beforeEach(() => {
    localStorage.clear();
    localStorage.setItem(STORAGE_KEYS.token, 'token-1');
    TestBed.configureTestingModule({
      providers: [
        provideZonelessChangeDetection(),
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([{ path: '**', children: [] }]),
      ],
    });
    http = TestBed.inject(HttpTestingController);
    store = TestBed.inject(ChatsStore);
    store.load();
    http.expectOne('/api/chats').flush({ items: [chat('a', 'Mine')] });
  });

  afterEach(() => http.verify());

  it('forgets the chats on logout', () => {
    expect(store.chats().map((c) => c.title)).toEqual(['Mine']);
    TestBed.inject(AuthStore).logout();
    expect(store.chats()).toEqual([]);
    expect(store.loaded()).toBe(false);
  });

  it('forgets the chats when the session ends with a 401', () => {
    store.rename('a', 'Renamed').subscribe({ error: () => undefined });
    http
      .expectOne('/api/chats/a')
      .flush(
        { statusCode: 401, message: 'Unauthorized' },
        { status: 401, statusText: 'Unauthorized' },
      );
    expect(TestBed.inject(AuthStore).isLoggedIn()).toBe(false);
    expect(store.chats()).toEqual([]);
  });

  it('drops a list that arrives after the session ended', () => {
    store.load();
    const pending = http.expectOne('/api/chats');
    TestBed.inject(AuthStore).logout();
    expect(pending.cancelled).toBe(true);
    expect(store.chats()).toEqual([]);
  });
});
