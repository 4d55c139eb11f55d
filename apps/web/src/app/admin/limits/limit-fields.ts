import {
  ChangeDetectionStrategy,
  Component,
  inject,
  input,
  signal,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import {
  ControlContainer,
  FormControl,
  ReactiveFormsModule,
} from '@angular/forms';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatSelectModule } from '@angular/material/select';
import { TranslatePipe } from '@ngx-translate/core';
import {
  LIMIT_METRICS,
  LIMIT_WINDOWS,
  type LimitMetric,
  type Model,
} from '@tally/api-contract';
import { CatalogApi } from '../data-access/catalog-api.service';
import { amountValidator } from './limit-amount';

/**
 * What a limit or a grant counts, per which window, on which model: the
 * `metric`, `window` and `model` controls of the surrounding form ('' for
 * every model), with the catalog's models to choose from. `testId` gives the
 * test ids (`<testId>-metric`, `-window`, `-model`); `windowWords` the
 * windows' words (`limits.window.day` "a day", `limits.period.day` "today").
 */
@Component({
  selector: 'app-limit-fields',
  imports: [
    ReactiveFormsModule,
    MatFormFieldModule,
    MatSelectModule,
    TranslatePipe,
  ],
  viewProviders: [
    {
      provide: ControlContainer,
      useFactory: () => inject(ControlContainer, { skipSelf: true }),
    },
  ],
  template: `
    <mat-form-field appearance="outline">
      <mat-label>{{ 'admin.limits.dialog.metric' | translate }}</mat-label>
      <mat-select
        formControlName="metric"
        [attr.data-testid]="testId() + '-metric'"
      >
        @for (m of metrics; track m) {
          <mat-option [value]="m">{{
            'limits.metric.' + m | translate
          }}</mat-option>
        }
      </mat-select>
    </mat-form-field>
    <mat-form-field appearance="outline">
      <mat-label>{{ windowLabel() | translate }}</mat-label>
      <mat-select
        formControlName="window"
        [attr.data-testid]="testId() + '-window'"
      >
        @for (w of windows; track w) {
          <mat-option [value]="w">{{
            'limits.' + windowWords() + '.' + w | translate
          }}</mat-option>
        }
      </mat-select>
    </mat-form-field>
    <mat-form-field appearance="outline">
      <mat-label>{{ 'admin.limits.dialog.model' | translate }}</mat-label>
      <mat-select
        formControlName="model"
        [attr.data-testid]="testId() + '-model'"
      >
        <mat-option value="">{{
          'admin.limits.dialog.allModels' | translate
        }}</mat-option>
        @for (m of models(); track m.id) {
          <mat-option [value]="m.id">{{ modelText(m) }}</mat-option>
        }
      </mat-select>
    </mat-form-field>
  `,
  styles: `
    :host {
      display: contents;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LimitFields {
  readonly testId = input.required<string>();
  /** Translation key of the window's label. */
  readonly windowLabel = input('admin.limits.dialog.window');
  readonly windowWords = input<'window' | 'period'>('window');
  /** Models read "GPT-4o (gpt-4o)" rather than "GPT-4o". */
  readonly showIds = input(false);

  protected readonly metrics = LIMIT_METRICS;
  protected readonly windows = LIMIT_WINDOWS;
  protected readonly models = signal<Model[]>([]);

  constructor() {
    inject(CatalogApi)
      .models()
      .pipe(takeUntilDestroyed())
      .subscribe({
        next: (models) => this.models.set(models),
        error: () => undefined,
      });
  }

  protected modelText(model: Model): string {
    return this.showIds() ? `${model.name} (${model.id})` : model.name;
  }
}

/** The amount's label for a metric: cost is typed in dollars. */
export function amountLabel(metric: LimitMetric): string {
  return metric === 'cost'
    ? 'admin.limits.dialog.amountDollars'
    : 'admin.limits.dialog.amount';
}

/** Keeps the amount's validator in step with the metric chosen (in an injection context). */
export function amountFollowsMetric(
  metric: FormControl<LimitMetric>,
  amount: FormControl<string>,
): void {
  metric.valueChanges.pipe(takeUntilDestroyed()).subscribe((value) => {
    amount.setValidators(amountValidator(value));
    amount.updateValueAndValidity();
  });
}
