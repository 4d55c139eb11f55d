import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  input,
} from '@angular/core';
import { TranslatePipe, TranslateService } from '@ngx-translate/core';
import { formatDateTime, formatRelative } from '../../core/i18n/format';
import { LanguageService } from '../../core/i18n/language.service';
import { amountText, perText } from '../../shared/limits/limit-words';
import type { QuotaBlock } from './send-block';

/**
 * "You have reached today's message limit. It resets on 29 Nov 2026, 01:00
 * (in 3 hours)." For another limit, which one: "You have reached your limit
 * of 5 messages a week.", "Research has used up its shared limit of $200 a
 * month."
 */
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
      <strong data-testid="quota-banner-what">{{ what() }}</strong>
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
  private readonly translate = inject(TranslateService);

  protected readonly what = computed(() => {
    const lang = this.language.lang();
    const { code, limit } = this.block();
    if (!limit) {
      return this.translate.instant(`chat.banner.${code}`) as string;
    }
    const params = {
      amount: amountText(this.translate, lang, limit.metric, limit.limit),
      per: perText(this.translate, limit.window),
      model: limit.model,
      name: limit.subject_name,
    };
    const what = this.translate.instant(
      limit.model
        ? 'chat.banner.limit.amountModel'
        : 'chat.banner.limit.amount',
      params,
    ) as string;
    const whose = !limit.shared
      ? 'personal'
      : limit.subject === 'group'
        ? 'group'
        : 'everyone';
    return this.translate.instant(`chat.banner.limit.${whose}`, {
      ...params,
      what,
    }) as string;
  });

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
