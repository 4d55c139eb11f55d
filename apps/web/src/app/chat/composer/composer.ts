import { BreakpointObserver } from '@angular/cdk/layout';
import { DOCUMENT } from '@angular/common';
import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  computed,
  inject,
  input,
  model,
  output,
  viewChild,
} from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { TranslatePipe } from '@ngx-translate/core';
import { LIMITS } from '@tally/api-contract';
import { map } from 'rxjs';
import { composerPlaceholder } from './send-gate';

/**
 * The message box and its Send button, which gives its place to Stop while
 * an answer streams in. Enter sends, Shift+Enter starts a new line. Whether
 * a send may go is the page's to say (`canSend`, see `sendHold`).
 */
@Component({
  selector: 'app-composer',
  imports: [MatButtonModule, TranslatePipe],
  templateUrl: './composer.html',
  styleUrl: './composer.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Composer {
  readonly draft = model('');
  readonly streaming = input(false);
  /** A quota block is in force: the box is shut and says so. */
  readonly blocked = input(false);
  readonly canSend = input(false);
  /** Send was clicked, or Enter pressed. */
  readonly send = output<void>();
  /** Stop was clicked. */
  readonly stop = output<void>();

  private readonly box = viewChild<ElementRef<HTMLTextAreaElement>>('composer');
  private readonly sendButton = viewChild('sendButton', { read: ElementRef });
  private readonly stopButton = viewChild('stopButton', { read: ElementRef });
  private readonly document = inject(DOCUMENT);

  protected readonly maxLength = LIMITS.messageContentMax;
  /** A phone-width composer has room for the short placeholder only. */
  private readonly narrow = toSignal(
    inject(BreakpointObserver)
      .observe('(max-width: 599.98px)')
      .pipe(map((state) => state.matches)),
    { initialValue: false },
  );
  protected readonly placeholderKey = computed(() =>
    composerPlaceholder(this.blocked(), this.narrow()),
  );

  /** Puts keyboard focus in the box; false when it is shut (or not there). */
  focus(): boolean {
    const box = this.box()?.nativeElement;
    if (!box || box.disabled) {
      return false;
    }
    box.focus();
    return true;
  }

  /** Whether keyboard focus is on the Send or the Stop button. */
  hasFocus(button: 'send' | 'stop'): boolean {
    const ref: ElementRef<HTMLElement> | undefined =
      button === 'send' ? this.sendButton() : this.stopButton();
    const active = this.document.activeElement;
    return !!ref && !!active && ref.nativeElement.contains(active);
  }

  protected onInput(event: Event): void {
    this.draft.set((event.target as HTMLTextAreaElement).value);
  }

  protected onKeydown(event: KeyboardEvent): void {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.send.emit();
    }
  }
}
