import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  signal,
} from '@angular/core';
import { takeUntilDestroyed, toObservable } from '@angular/core/rxjs-interop';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatSelectModule } from '@angular/material/select';
import { TranslatePipe, TranslateService } from '@ngx-translate/core';
import type { ModelInfo, OwnUsageItem, Quota } from '@tally/api-contract';
import { catchError, map, of, switchMap, tap } from 'rxjs';
import { errorMessageKey } from '../core/http/api-error';
import { LocalNumberPipe } from '../core/i18n/format';
import { LanguageService } from '../core/i18n/language.service';
import { LoadStatus } from '../shared/load-status';
import { CostPipe } from '../shared/money';
import { UsageChart } from '../shared/usage-chart';
import { UsageApi, daysBefore, todayIn } from './data-access/usage-api.service';
import { LimitCard } from './limit-card';
import { ShownNamePipe, shownName } from '../shared/built-in-names';

/** How many days the chart shows, today included. */
export const HISTORY_DAYS = 30;

/**
 * The user's own usage: one bar per limit that applies to a send to the
 * chosen model (day, week, month; personal ones and the pools of the
 * user's groups), and the last 30 days as a chart.
 */
@Component({
  selector: 'app-my-usage-page',
  imports: [
    ShownNamePipe,
    MatFormFieldModule,
    MatSelectModule,
    TranslatePipe,
    LocalNumberPipe,
    CostPipe,
    LoadStatus,
    UsageChart,
    LimitCard,
  ],
  templateUrl: './usage.page.html',
  styleUrl: './usage.page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class MyUsagePage {
  private readonly api = inject(UsageApi);
  private readonly translate = inject(TranslateService);
  private readonly language = inject(LanguageService);

  protected readonly models = signal<ModelInfo[]>([]);
  /** null: the default model. */
  protected readonly model = signal<string | null>(null);
  protected readonly quota = signal<Quota | null>(null);
  protected readonly loading = signal(true);
  protected readonly error = signal<string | null>(null);
  protected readonly history = signal<OwnUsageItem[] | null>(null);
  protected readonly historyError = signal<string | null>(null);

  /** The model picked, else the one the quota is for (the default). */
  protected readonly selected = computed(
    () => this.model() ?? this.quota()?.model ?? null,
  );
  /** The name of the model the limits are for, as the model picker says it. */
  protected readonly modelName = computed(() => {
    const id = this.quota()?.model ?? '';
    this.language.lang();
    const model = this.models().find((m) => m.id === id);
    return model ? shownName(this.translate, model) : id;
  });
  protected readonly limits = computed(() => this.quota()?.limits ?? []);
  protected readonly totals = computed(() => {
    const items = this.history() ?? [];
    return {
      messages: items.reduce((sum, i) => sum + i.messages, 0),
      tokens: items.reduce((sum, i) => sum + i.tokens, 0),
      cost: items.reduce((sum, i) => sum + (i.cost ?? 0), 0),
    };
  });

  constructor() {
    this.api
      .models()
      .pipe(takeUntilDestroyed())
      .subscribe({
        next: (list) => this.models.set(list.items),
        error: () => undefined,
      });
    toObservable(this.model)
      .pipe(
        tap(() => this.loading.set(true)),
        switchMap((model) =>
          this.api.quota(model).pipe(
            map((quota) => ({ quota, error: null })),
            catchError((err: unknown) =>
              of({ quota: null, error: errorMessageKey(err) }),
            ),
          ),
        ),
        takeUntilDestroyed(),
      )
      .subscribe(({ quota, error }) => {
        this.loading.set(false);
        this.error.set(error);
        if (quota) {
          const first = this.quota() === null;
          this.quota.set(quota);
          if (first) {
            this.loadHistory(quota.timezone);
          }
        }
      });
  }

  protected pick(model: string): void {
    this.model.set(model);
  }

  /** The 30 days ending today in the quota's time zone. */
  private loadHistory(timeZone: string): void {
    const to = todayIn(timeZone);
    this.api.history(daysBefore(to, HISTORY_DAYS - 1), to).subscribe({
      next: (usage) => this.history.set(usage.items),
      error: (err: unknown) => this.historyError.set(errorMessageKey(err)),
    });
  }
}
