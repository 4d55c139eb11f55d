import { provideHttpClient } from '@angular/common/http';
import {
  HttpTestingController,
  provideHttpClientTesting,
} from '@angular/common/http/testing';
import { provideZonelessChangeDetection } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import type { Chat } from '@tally/api-contract';
import { provideTestI18n, useLanguage } from '../../testing/i18n';
import { ChatsStore } from '../chat/data-access/chats.store';
import { ChatNav } from './chat-nav';
import { one } from '../../testing/dom';

const chat = (id: string, title: string): Chat => ({
  id,
  title,
  model: 'local',
  created_at: '2026-11-28T10:00:00.000Z',
  updated_at: '2026-11-28T10:00:00.000Z',
});

describe('ChatNav', () => {
  let fixture: ComponentFixture<ChatNav>;
  let http: HttpTestingController;
  let el: HTMLElement;

  async function render(): Promise<void> {
    fixture.detectChanges();
    await fixture.whenStable();
    fixture.detectChanges();
  }

  const titles = () =>
    [...el.querySelectorAll('.chat-link')].map((a) => a.textContent?.trim());
  const button = (label: string) =>
    [...el.querySelectorAll<HTMLButtonElement>('button')].find((b) =>
      (b.getAttribute('aria-label') ?? b.textContent ?? '').includes(label),
    )!;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [
        provideZonelessChangeDetection(),
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([{ path: '**', children: [] }]),
        provideTestI18n(),
      ],
    });
    useLanguage('en');
    http = TestBed.inject(HttpTestingController);
    TestBed.inject(ChatsStore).load();
    http
      .expectOne('/api/chats')
      .flush({ items: [chat('a', 'First'), chat('b', 'Second')] });
    fixture = TestBed.createComponent(ChatNav);
    el = fixture.nativeElement as HTMLElement;
    await render();
  });

  afterEach(() => http.verify());

  it('lists the chats, newest activity first', () => {
    expect(titles()).toEqual(['First', 'Second']);
  });

  const focused = () => {
    const active = document.activeElement as HTMLElement | null;
    return (
      active?.getAttribute('aria-label') ??
      active?.textContent?.trim() ??
      active?.tagName
    );
  };
  // Bubbling, as a real key press does.
  const key = (target: Element, name: string) =>
    target.dispatchEvent(
      new KeyboardEvent('keydown', { key: name, bubbles: true }),
    );

  it('renames a chat inline', async () => {
    button('Rename “Second”').click();
    await render();
    const input = el.querySelector<HTMLInputElement>('.rename input')!;
    expect(document.activeElement).toBe(input);
    input.value = 'Renamed';
    input.form!.dispatchEvent(new Event('submit'));
    const request = http.expectOne('/api/chats/b');
    expect(request.request.method).toBe('PATCH');
    expect(request.request.body).toEqual({ title: 'Renamed' });
    request.flush(chat('b', 'Renamed'));
    await render();
    expect(titles()).toEqual(['First', 'Renamed']);
    expect(focused()).toBe('Rename “Renamed”');
  });

  it('keeps the keyboard focus in the row: Escape goes back to the button that opened it', async () => {
    // What lies around the list (the sidebar closes on an Escape) never sees these.
    const escapesOutside: Event[] = [];
    const outside = (e: Event) => escapesOutside.push(e);
    document.addEventListener('keydown', outside);
    button('Rename “First”').click();
    await render();
    key(one(el, '.rename input'), 'Escape');
    await render();
    expect(el.querySelector('.rename')).toBeNull();
    expect(focused()).toBe('Rename “First”');

    button('Delete “First”').click();
    await render();
    expect(focused()).toBe('Cancel');
    key(one(el, '.confirm'), 'Escape');
    await render();
    expect(el.querySelector('.confirm')).toBeNull();
    expect(focused()).toBe('Delete “First”');
    document.removeEventListener('keydown', outside);
    expect(escapesOutside).toEqual([]);
  });

  it('deletes a chat only after confirming, and leaves it if it was open', async () => {
    const router = TestBed.inject(Router);
    await router.navigateByUrl('/chats/a');
    button('Delete “First”').click();
    await render();
    expect(el.textContent).toContain('Delete this chat?');
    http.expectNone('/api/chats/a');

    button('Delete').click();
    const request = http.expectOne('/api/chats/a');
    expect(request.request.method).toBe('DELETE');
    request.flush(null, { status: 204, statusText: 'No Content' });
    await render();
    expect(titles()).toEqual(['Second']);
    expect(router.url).toBe('/chats');
    expect(focused()).toBe('Second');
  });

  describe('more chats', () => {
    const store = () => TestBed.inject(ChatsStore);
    /** The first page again, now with a next page behind it. */
    async function withNextPage(): Promise<void> {
      store().load();
      http.expectOne('/api/chats').flush({
        items: [chat('a', 'First'), chat('b', 'Second')],
        next_cursor: 'cursor-1',
      });
      await render();
    }
    const moreButton = () =>
      el.querySelector<HTMLButtonElement>('[data-testid="load-more"]');

    it('has no button when every chat is in the list', () => {
      expect(moreButton()).toBeNull();
    });

    it('shows the next page on the button, and moves focus to the first chat it brought', async () => {
      await withNextPage();
      expect(moreButton()?.textContent?.trim()).toBe('Show more chats');
      moreButton()?.click();
      await render();
      expect(moreButton()).toBeNull();
      expect(el.querySelector('[role="status"]')?.textContent?.trim()).toBe(
        'Loading more chats…',
      );
      http.expectOne('/api/chats?before=cursor-1').flush({
        items: [
          { ...chat('c', 'Third'), updated_at: '2026-11-28T09:00:00.000Z' },
        ],
        next_cursor: null,
      });
      await render();
      expect(titles()).toEqual(['First', 'Second', 'Third']);
      expect(focused()).toBe('Third');
      expect(moreButton()).toBeNull();
      expect(el.querySelector('[role="status"]')?.textContent?.trim()).toBe('');
    });

    it('loads the next page when the end of the list scrolls into view, but not again after a failure', async () => {
      const seen: Array<
        (entries: Partial<IntersectionObserverEntry>[]) => void
      > = [];
      vi.stubGlobal(
        'IntersectionObserver',
        class {
          constructor(
            cb: (entries: Partial<IntersectionObserverEntry>[]) => void,
          ) {
            seen.push(cb);
          }
          observe(): void {
            /* the test says when it is visible */
          }
          unobserve(): void {
            /* watched anew by observe */
          }
          disconnect(): void {
            /* nothing to let go */
          }
        },
      );
      try {
        await withNextPage();
        expect(seen).toHaveLength(1);
        seen[0]([{ isIntersecting: false }]);
        http.expectNone('/api/chats?before=cursor-1');
        seen[0]([{ isIntersecting: true }]);
        http
          .expectOne('/api/chats?before=cursor-1')
          .flush(null, { status: 503, statusText: 'Service Unavailable' });
        await render();
        expect(el.querySelector('[role="alert"]')).not.toBeNull();
        // Seen again after a failure, it waits for a click.
        seen.at(-1)?.([{ isIntersecting: true }]);
        http.expectNone('/api/chats?before=cursor-1');
        moreButton()?.click();
        http.expectOne('/api/chats?before=cursor-1').flush({
          items: [
            { ...chat('c', 'Third'), updated_at: '2026-11-28T09:00:00.000Z' },
          ],
          next_cursor: null,
        });
        await render();
        expect(titles()).toEqual(['First', 'Second', 'Third']);
        expect(el.querySelector('[role="alert"]')).toBeNull();
      } finally {
        vi.unstubAllGlobals();
      }
    });
  });
});
