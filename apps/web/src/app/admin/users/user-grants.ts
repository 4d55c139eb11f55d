import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  input,
  signal,
  viewChild,
} from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import {
  FormGroupDirective,
  NonNullableFormBuilder,
  ReactiveFormsModule,
} from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { TranslatePipe, TranslateService } from '@ngx-translate/core';
import type {
  AdminUser,
  Grant,
  LimitMetric,
  LimitWindow,
} from '@tally/api-contract';
import { errorMessageKey } from '../../core/http/api-error';
import { LocalDateTimePipe } from '../../core/i18n/format';
import { LanguageService } from '../../core/i18n/language.service';
import { TextField } from '../../shared/forms/text-field';
import { amountText, periodText } from '../../shared/limits/limit-words';
import { loadOnChange } from '../../shared/table/table-paging';
import { LimitsApi } from '../data-access/limits-api.service';
import { amountValidator, toAmount } from '../limits/limit-amount';
import {
  LimitFields,
  amountFollowsMetric,
  amountLabel,
} from '../limits/limit-fields';

/**
 * A user's grants in the windows now in force ("+10 messages this week"),
 * and a form for one more: an admin's one-off raise of a personal limit.
 */
@Component({
  selector: 'app-user-grants',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    LimitFields,
    TranslatePipe,
    LocalDateTimePipe,
    TextField,
  ],
  templateUrl: './user-grants.html',
  styleUrl: './user-grants.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class UserGrants {
  readonly user = input.required<AdminUser>();

  private readonly api = inject(LimitsApi);
  private readonly translate = inject(TranslateService);
  private readonly language = inject(LanguageService);

  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  private readonly reloads = signal(0);
  private readonly formDirective = viewChild(FormGroupDirective);
  protected readonly grants = loadOnChange(
    computed(() => ({ id: this.user().id, reload: this.reloads() })),
    ({ id }) => this.api.grants(id),
  );

  protected readonly form = inject(NonNullableFormBuilder).group({
    metric: ['messages' as LimitMetric],
    window: ['day' as LimitWindow],
    model: [''],
    amount: ['', [amountValidator('messages')]],
    note: [''],
  });
  private readonly metric = toSignal(this.form.controls.metric.valueChanges, {
    initialValue: this.form.controls.metric.value,
  });
  protected readonly amountLabel = computed(() => amountLabel(this.metric()));

  constructor() {
    amountFollowsMetric(this.form.controls.metric, this.form.controls.amount);
  }

  /** "+10 messages this week", "+$2 this month on gpt-4o". */
  protected describe(grant: Grant): string {
    const lang = this.language.lang();
    return this.translate.instant(
      grant.model ? 'admin.users.grants.itemModel' : 'admin.users.grants.item',
      {
        amount: amountText(this.translate, lang, grant.metric, grant.amount),
        period: periodText(this.translate, grant.window),
        model: grant.model,
      },
    ) as string;
  }

  protected add(): void {
    this.form.markAllAsTouched();
    if (this.form.invalid || this.busy()) {
      return;
    }
    const v = this.form.getRawValue();
    const note = v.note.trim();
    this.busy.set(true);
    this.error.set(null);
    this.api
      .grant(this.user().id, {
        metric: v.metric,
        window: v.window,
        model: v.model || null,
        amount: toAmount(v.metric, v.amount),
        ...(note ? { note } : {}),
      })
      .subscribe({
        next: () => {
          this.busy.set(false);
          // A fresh form for the next grant: no "required" on the emptied amount.
          this.formDirective()?.resetForm({ ...v, amount: '', note: '' });
          this.reloads.update((n) => n + 1);
        },
        error: (err: unknown) => {
          this.busy.set(false);
          this.error.set(errorMessageKey(err));
        },
      });
  }
}
