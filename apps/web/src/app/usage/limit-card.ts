import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  input,
} from '@angular/core';
import { TranslatePipe, TranslateService } from '@ngx-translate/core';
import type { QuotaLimit } from '@tally/api-contract';
import { LocalDateTimePipe } from '../core/i18n/format';
import { LanguageService } from '../core/i18n/language.service';
import {
  amountText,
  periodText,
  usedOfText,
} from '../shared/limits/limit-words';
import { formatBudget } from '../shared/money';
import { UsageBar } from '../shared/usage-bar';

/**
 * One limit that applies to the user, in words and as a bar: "Your messages
 * today: 3 of 100 messages", "Research together: $41.25 of $200 this month",
 * with what is left, whose limit it is and when it resets.
 */
@Component({
  selector: 'app-limit-card',
  imports: [TranslatePipe, LocalDateTimePipe, UsageBar],
  template: `
    <article
      class="card"
      data-testid="limit-card"
      [attr.data-metric]="limit().metric"
      [attr.data-window]="limit().window"
      [attr.data-shared]="limit().shared"
    >
      <h3 data-testid="limit-title">{{ title() }}</h3>
      <p class="value" data-testid="limit-value">{{ value() }}</p>
      <app-usage-bar
        [used]="limit().used"
        [limit]="limit().limit"
        [remaining]="limit().remaining"
        [exhausted]="!!limit().exhausted"
        [whatText]="title()"
      />
      <p class="muted" data-testid="limit-left">{{ left() }}</p>
      <p class="muted">{{ source() }}</p>
      @if (granted(); as extra) {
        <p class="muted" data-testid="limit-granted">
          {{ 'usage.card.granted' | translate: { amount: extra } }}
        </p>
      }
      <p class="muted" data-testid="limit-resets">
        {{
          'usage.card.resets'
            | translate: { time: (limit().resets_at | localDateTime) }
        }}
      </p>
    </article>
  `,
  styles: `
    :host {
      display: block;
    }
    .card {
      border: 1px solid var(--mat-sys-outline-variant);
      border-radius: 12px;
      padding: 12px 16px;
      height: 100%;
      box-sizing: border-box;
    }
    h3 {
      margin: 0 0 4px;
      font-size: 1rem;
      overflow-wrap: anywhere;
    }
    .value {
      margin: 0 0 8px;
      font-variant-numeric: tabular-nums;
    }
    .muted {
      margin: 4px 0 0;
      color: var(--mat-sys-on-surface-variant);
      font-size: 0.8rem;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LimitCard {
  readonly limit = input.required<QuotaLimit>();

  private readonly translate = inject(TranslateService);
  private readonly language = inject(LanguageService);

  private t(key: string, params?: Record<string, unknown>): string {
    return this.translate.instant(key, params) as string;
  }

  protected readonly title = computed(() => {
    this.language.lang();
    const l = this.limit();
    let title: string;
    if (!l.shared) {
      title = this.t(`usage.card.yours.${l.metric}.${l.window}`);
    } else if (l.subject === 'group') {
      title = this.t('usage.card.groupTogether', { name: l.subject_name });
    } else {
      title = this.t('usage.card.everyoneTogether');
    }
    return l.model
      ? this.t('usage.card.onModel', { title, model: l.model })
      : title;
  });

  protected readonly value = computed(() => {
    const lang = this.language.lang();
    const l = this.limit();
    const amount = usedOfText(this.translate, lang, l.metric, l.used, l.limit);
    return l.shared
      ? this.t('usage.card.valuePeriod', {
          amount,
          period: periodText(this.translate, l.window),
        })
      : amount;
  });

  protected readonly left = computed(() => {
    const lang = this.language.lang();
    const l = this.limit();
    return this.t('usage.card.left', {
      amount: amountText(this.translate, lang, l.metric, l.remaining),
    });
  });

  /** Whose limit this is: everyone's, a group's, the user's own. */
  protected readonly source = computed(() => {
    this.language.lang();
    const l = this.limit();
    if (l.shared) {
      return this.t(
        l.subject === 'group'
          ? 'usage.card.source.groupShared'
          : 'usage.card.source.everyoneShared',
      );
    }
    return this.t(`usage.card.source.${l.subject}`, { name: l.subject_name });
  });

  /** What an administrator granted on top of the limit, in this window. */
  protected readonly granted = computed(() => {
    const lang = this.language.lang();
    const l = this.limit();
    const extra = l.limit - l.amount;
    if (extra <= 0) {
      return null;
    }
    return l.metric === 'cost'
      ? formatBudget(lang, extra)
      : amountText(this.translate, lang, l.metric, extra);
  });
}
