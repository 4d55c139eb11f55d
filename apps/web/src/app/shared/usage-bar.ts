import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  input,
} from '@angular/core';
import { TranslateService } from '@ngx-translate/core';
import { formatPercent } from '../core/i18n/format';
import { LanguageService } from '../core/i18n/language.service';
import { counterLevel, usedRatio } from '../chat/quota/quota-format';

/** How much of a limit is used, as a bar with its percentage. */
@Component({
  selector: 'app-usage-bar',
  template: `
    <div
      class="bar"
      role="progressbar"
      aria-valuemin="0"
      aria-valuemax="100"
      [attr.aria-valuenow]="percent()"
      [attr.aria-label]="label()"
      [attr.data-level]="level()"
    >
      <div class="fill" [style.width.%]="percent()"></div>
    </div>
    <span class="pct">{{ percentText() }}</span>
  `,
  styles: `
    :host {
      display: flex;
      align-items: center;
      gap: 6px;
      min-width: 110px;
    }
    .bar {
      flex: 1;
      height: 8px;
      border-radius: 4px;
      background: var(--mat-sys-surface-container-highest);
      overflow: hidden;
    }
    .fill {
      height: 100%;
      background: var(--mat-sys-primary);
    }
    [data-level='warn'] .fill {
      background: var(--tally-warn);
    }
    [data-level='exceeded'] .fill {
      background: var(--tally-danger);
    }
    .pct {
      font-size: 0.75rem;
      min-width: 3.2em;
      text-align: end;
      font-variant-numeric: tabular-nums;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class UsageBar {
  readonly used = input.required<number>();
  readonly limit = input.required<number>();
  /** Translation key naming what is measured. */
  readonly what = input<string>('');
  /** What is left, when it is not simply `limit - used` (answers in progress hold some). */
  readonly remaining = input<number | null>(null);
  /** Or what is measured in words already (a limit's own description). */
  readonly whatText = input<string>('');
  /** What is left cannot pay for one more send: shown full, whatever the share used. */
  readonly exhausted = input(false);

  private readonly language = inject(LanguageService);
  private readonly translate = inject(TranslateService);

  private readonly ratio = computed(() =>
    this.exhausted() ? 1 : usedRatio(this.used(), this.limit()),
  );
  protected readonly percent = computed(() => Math.round(this.ratio() * 100));
  protected readonly percentText = computed(() =>
    formatPercent(this.language.lang(), this.ratio()),
  );
  protected readonly level = computed(() =>
    counterLevel({
      used: this.used(),
      limit: this.limit(),
      remaining: this.remaining() ?? this.limit() - this.used(),
      exhausted: this.exhausted(),
    }),
  );
  protected readonly label = computed(() => {
    this.language.lang();
    return this.translate.instant('shared.usageBar.label', {
      what: this.whatText() || this.translate.instant(this.what()),
      percent: this.percentText(),
    }) as string;
  });
}
