import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  input,
} from '@angular/core';
import { MatTooltipModule } from '@angular/material/tooltip';
import { TranslatePipe, TranslateService } from '@ngx-translate/core';
import type { Quota, QuotaLimit } from '@tally/api-contract';
import {
  formatCompact,
  formatDateTime,
  formatNumber,
} from '../../core/i18n/format';
import { LanguageService } from '../../core/i18n/language.service';
import { pluralKey } from '../../core/i18n/plural';
import { Icon } from '../../shared/icon';
import { periodText, subjectText } from '../../shared/limits/limit-words';
import { formatBudget } from '../../shared/money';
import {
  counterLevel,
  quotaLevel,
  tightestOther,
  worseLevel,
} from './quota-format';

/**
 * `3/100 messages · 12.4K/500K tokens`: amber from 80 % of either limit, red
 * when either is reached; the reset time (local) on hover or keyboard focus.
 * Once another limit (a week, a month, a budget, a group's pool, a model's
 * cap) is at 80 %, the tightest of them follows: `· $4.10/$5 this month`.
 * Where the chat's header is narrow (a phone), the chip shows a shorter form
 * (`3,7 тыс./500 тыс. ток.`) and may wrap; screen readers get the whole
 * sentence all the same.
 */
@Component({
  selector: 'app-quota-header',
  imports: [MatTooltipModule, TranslatePipe, Icon],
  template: `
    @if (quota(); as q) {
      <div
        class="quota"
        [class]="'quota level-' + level()"
        [attr.data-level]="level()"
        data-testid="quota-header"
        tabindex="0"
        [matTooltip]="tooltip()"
      >
        @if (level() !== 'ok') {
          <!-- Not by colour alone: a sign that differs by level. -->
          <app-icon [name]="level() === 'warn' ? 'warning' : 'block'" />
        }
        <span class="full" data-testid="quota-text">{{ text() }}</span>
        <span class="short" aria-hidden="true" data-testid="quota-short">{{
          shortText()
        }}</span>
        @if (level() !== 'ok') {
          <span class="visually-hidden">{{
            'chat.header.level.' + level() | translate
          }}</span>
        }
        <span class="visually-hidden" data-testid="quota-reset">{{
          resetText()
        }}</span>
        @if (extraResetText(); as extraReset) {
          <span class="visually-hidden" data-testid="quota-extra-reset">{{
            extraReset
          }}</span>
        }
      </div>
    } @else {
      <div class="quota" aria-busy="true">
        {{ 'chat.header.loading' | translate }}
      </div>
    }
  `,
  styles: `
    :host {
      min-width: 0;
      max-width: 100%;
    }
    .quota {
      position: relative;
      display: inline-flex;
      align-items: center;
      gap: 4px;
      padding: 4px 10px;
      border-radius: 999px;
      font-size: 0.875rem;
      font-variant-numeric: tabular-nums;
      white-space: nowrap;
      border: 1px solid var(--mat-sys-outline-variant);
    }
    app-icon {
      --icon-size: 16px;
      flex: none;
    }
    .short {
      display: none;
    }
    /* A narrow chat header (see chat-page.css): the short form, wrapped if need be. */
    @container chat-head (max-width: 560px) {
      .quota {
        white-space: normal;
        max-width: 100%;
        box-sizing: border-box;
      }
      .short {
        display: inline;
      }
      .full {
        position: absolute;
        width: 1px;
        height: 1px;
        padding: 0;
        margin: -1px;
        overflow: hidden;
        clip: rect(0 0 0 0);
        white-space: nowrap;
        border: 0;
      }
    }
    .quota:focus-visible {
      outline: 2px solid var(--mat-sys-primary);
      outline-offset: 2px;
    }
    .level-warn {
      color: var(--tally-warn);
      background: var(--tally-warn-container);
      border-color: var(--tally-warn);
    }
    .level-exceeded {
      color: var(--tally-danger);
      background: var(--tally-danger-container);
      border-color: var(--tally-danger);
      font-weight: 600;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class QuotaHeader {
  readonly quota = input<Quota | null>(null);

  private readonly translate = inject(TranslateService);
  private readonly language = inject(LanguageService);

  /** The tightest other limit, once it is at 80 % or more. */
  protected readonly extra = computed<QuotaLimit | null>(() => {
    const q = this.quota();
    return q ? tightestOther(q) : null;
  });

  protected readonly level = computed(() => {
    const q = this.quota();
    if (!q) {
      return 'ok';
    }
    const extra = this.extra();
    return extra
      ? worseLevel(quotaLevel(q), counterLevel(extra))
      : quotaLevel(q);
  });

  protected readonly text = computed(() => this.sentence(false));

  /** The same, shorter (`сообщ.`, `ток.`): what a phone's header shows. */
  protected readonly shortText = computed(() => this.sentence(true));

  private sentence(short: boolean): string {
    const q = this.quota();
    const lang = this.language.lang();
    if (!q) {
      return '';
    }
    const words = short ? 'chat.header.short' : 'chat.header';
    const messages = this.translate.instant(
      pluralKey(lang, `${words}.messages`, q.messages.limit),
      {
        used: formatNumber(lang, q.messages.used),
        limit: formatNumber(lang, q.messages.limit),
      },
    ) as string;
    const tokens = this.translate.instant(
      pluralKey(lang, `${words}.tokens`, q.tokens.limit),
      {
        used: formatCompact(lang, q.tokens.used),
        limit: formatCompact(lang, q.tokens.limit),
      },
    ) as string;
    const extra = this.extra();
    if (!extra) {
      return this.translate.instant('chat.header.quota', {
        messages,
        tokens,
      }) as string;
    }
    return this.translate.instant('chat.header.quotaExtra', {
      messages,
      tokens,
      extra: this.extraText(extra, lang, words),
    }) as string;
  }

  /** `41/50 messages this week`, `$4.10/$5 this month`. */
  private extraText(limit: QuotaLimit, lang: string, words: string): string {
    let amount: string;
    if (limit.metric === 'cost') {
      amount = this.translate.instant('chat.header.cost', {
        used: formatBudget(lang, limit.used),
        limit: formatBudget(lang, limit.limit),
      }) as string;
    } else {
      const format = limit.metric === 'tokens' ? formatCompact : formatNumber;
      amount = this.translate.instant(
        pluralKey(lang, `${words}.${limit.metric}`, limit.limit),
        {
          used: format(lang, limit.used),
          limit: format(lang, limit.limit),
        },
      ) as string;
    }
    return this.translate.instant('chat.header.extra', {
      amount,
      period: periodText(this.translate, limit.window),
    }) as string;
  }

  /** Whose limit the extra one is and when it resets: "Research together: resets on …". */
  protected readonly extraResetText = computed(() => {
    const extra = this.extra();
    const lang = this.language.lang();
    if (!extra) {
      return '';
    }
    return this.translate.instant(
      extra.model ? 'chat.header.extraResetsModel' : 'chat.header.extraResets',
      {
        who: extra.shared
          ? subjectText(this.translate, extra)
          : this.translate.instant('chat.header.personalLimit'),
        model: extra.model,
        time: formatDateTime(lang, extra.resets_at),
      },
    ) as string;
  });

  protected readonly tooltip = computed(() =>
    [this.resetText(), this.extraResetText()].filter(Boolean).join(' · '),
  );

  protected readonly resetText = computed(() => {
    const q = this.quota();
    const lang = this.language.lang();
    return q
      ? (this.translate.instant('chat.header.resets', {
          time: formatDateTime(lang, q.resets_at),
        }) as string)
      : '';
  });
}
