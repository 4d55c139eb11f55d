import { provideZonelessChangeDetection } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideTestI18n, useLanguage } from '../../../testing/i18n';
import { one } from '../../../testing/dom';
import { Composer } from './composer';

describe('Composer', () => {
  let fixture: ComponentFixture<Composer>;
  let el: HTMLElement;
  let sent: number;
  let stopped: number;

  const box = () => one<HTMLTextAreaElement>(el, '[data-testid="composer"]');

  function set(inputs: Record<string, unknown>): void {
    for (const [name, value] of Object.entries(inputs)) {
      fixture.componentRef.setInput(name, value);
    }
    fixture.detectChanges();
  }

  function press(key: string, shiftKey = false): KeyboardEvent {
    const event = new KeyboardEvent('keydown', {
      key,
      shiftKey,
      cancelable: true,
    });
    box().dispatchEvent(event);
    return event;
  }

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideZonelessChangeDetection(), provideTestI18n()],
    });
    useLanguage('en');
    fixture = TestBed.createComponent(Composer);
    el = fixture.nativeElement as HTMLElement;
    sent = 0;
    stopped = 0;
    fixture.componentInstance.send.subscribe(() => sent++);
    fixture.componentInstance.stop.subscribe(() => stopped++);
    document.body.appendChild(el);
    fixture.detectChanges();
  });

  afterEach(() => el.remove());

  it('takes what is typed into the draft', () => {
    box().value = 'Hello';
    box().dispatchEvent(new Event('input'));
    expect(fixture.componentInstance.draft()).toBe('Hello');
  });

  it('Enter asks to send; Shift+Enter makes a new line', () => {
    expect(press('Enter', true).defaultPrevented).toBe(false);
    expect(sent).toBe(0);
    expect(press('Enter').defaultPrevented).toBe(true);
    expect(sent).toBe(1);
  });

  it('Send is enabled only when the page says a send may go', () => {
    const send = () => one<HTMLButtonElement>(el, '[data-testid="send"]');
    expect(send().disabled).toBe(true);
    set({ canSend: true });
    expect(send().disabled).toBe(false);
    send().click();
    expect(sent).toBe(1);
  });

  it('Stop takes the place of Send while an answer streams in', () => {
    set({ streaming: true });
    expect(el.querySelector('[data-testid="send"]')).toBeNull();
    one<HTMLButtonElement>(el, '[data-testid="stop"]').click();
    expect(stopped).toBe(1);
  });

  it('is shut while blocked, says why, and takes no focus', () => {
    expect(fixture.componentInstance.focus()).toBe(true);
    expect(document.activeElement).toBe(box());
    set({ blocked: true });
    expect(box().disabled).toBe(true);
    expect(box().placeholder).toBe(
      'Sending is paused until your allowance resets.',
    );
    box().blur();
    expect(fixture.componentInstance.focus()).toBe(false);
  });

  it('tells whether Send or Stop has keyboard focus', () => {
    set({ canSend: true });
    one<HTMLButtonElement>(el, '[data-testid="send"]').focus();
    expect(fixture.componentInstance.hasFocus('send')).toBe(true);
    expect(fixture.componentInstance.hasFocus('stop')).toBe(false);
  });
});
