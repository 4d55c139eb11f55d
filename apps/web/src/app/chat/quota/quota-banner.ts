import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  input,
} from '@angular/core';
import { TranslatePipe } from '@ngx-translate/core';
import { formatDateTime, formatRelative } from '../../core/i18n/format';
import { LanguageService } from '../../core/i18n/language.service';
import type { QuotaBlock } from './send-block';

/** "You have used all of today's messages. It starts over at 29 Nov 2026, 01:00 (in 3 hours)." */
@Component({
  selector: 'app-quota-banner',
  imports: [TranslatePipe],
  template: `
    <div
      class="banner banner-error"
      role="alert"
      tabindex="-1"
      data-testid="quota-banner"
    >
      <strong>{{ 'chat.banner.' + block().code | translate }}</strong>
      <span>{{
        'chat.banner.resets' | translate: { time: time(), relative: relative() }
      }}</span>
    </div>
  `,
  styles: `
    .banner {
      display: flex;
      flex-direction: column;
      gap: 2px;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class QuotaBanner {
  readonly block = input.required<QuotaBlock>();
  /** The current time, ticking, so the countdown follows. */
  readonly now = input.required<number>();

  private readonly language = inject(LanguageService);

  protected readonly time = computed(() =>
    formatDateTime(this.language.lang(), this.block().resetsAt),
  );
  protected readonly relative = computed(() =>
    formatRelative(
      this.language.lang(),
      Date.parse(this.block().resetsAt) - this.now(),
    ),
  );
}
