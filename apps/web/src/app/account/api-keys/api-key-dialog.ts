import {
  ChangeDetectionStrategy,
  Component,
  inject,
  signal,
} from '@angular/core';
import {
  FormArray,
  NonNullableFormBuilder,
  ReactiveFormsModule,
  Validators,
} from '@angular/forms';
import { ClipboardModule } from '@angular/cdk/clipboard';
import { MatButtonModule } from '@angular/material/button';
import {
  MAT_DIALOG_DATA,
  MatDialogModule,
  MatDialogRef,
} from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { TranslatePipe, TranslateService } from '@ngx-translate/core';
import {
  type ApiKey,
  type ApiKeyLimit,
  type ApiKeyLimitUse,
  type CreatedApiKey,
  LIMIT_METRICS,
  LIMIT_WINDOWS,
  type LimitMetric,
  type LimitWindow,
} from '@tally/api-contract';
import { errorMessageKey } from '../../core/http/api-error';
import {
  amountValidator,
  fromAmount,
  toAmount,
} from '../../admin/limits/limit-amount';
import { LanguageService } from '../../core/i18n/language.service';
import { amountText, perText } from '../../shared/limits/limit-words';
import { ModelsStore } from '../../chat/data-access/models.store';
import { TextField } from '../../shared/forms/text-field';
import { lengthValidator } from '../../shared/forms/validators';
import { ApiKeysApi } from './api-keys-api.service';

/**
 * Creates an API key: a name, the models it may use (none picked: all) and
 * limits of its own; then shows the key once, with a copy button. Closes
 * with the created key (or nothing when cancelled).
 *
 * Opened with a key, changes it instead: its name, models and the limits
 * its owner set. Limits an administrator put on the key are shown, read
 * only, and never sent: the server keeps them whatever the owner saves.
 * Closes with the changed key.
 */
@Component({
  selector: 'app-api-key-dialog',
  imports: [
    ReactiveFormsModule,
    ClipboardModule,
    MatButtonModule,
    MatDialogModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    TranslatePipe,
    TextField,
  ],
  templateUrl: './api-key-dialog.html',
  styleUrl: './api-keys.page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ApiKeyDialog {
  private readonly api = inject(ApiKeysApi);
  private readonly fb = inject(NonNullableFormBuilder);
  private readonly ref = inject(
    MatDialogRef<ApiKeyDialog, CreatedApiKey | ApiKey>,
  );
  private readonly t = inject(TranslateService);
  private readonly language = inject(LanguageService);
  /** The key being changed; null: a new one. */
  protected readonly key = inject<ApiKey | null>(MAT_DIALOG_DATA, {
    optional: true,
  });
  /** What an administrator put on the key: shown, never edited or sent. */
  protected readonly adminLimits = (this.key?.limits ?? []).filter(
    (l) => l.set_by === 'admin',
  );
  protected readonly catalog = inject(ModelsStore);
  protected readonly metrics = LIMIT_METRICS;
  protected readonly windows = LIMIT_WINDOWS;

  protected readonly form = this.fb.group({
    name: [
      this.key?.name ?? '',
      [Validators.required, lengthValidator(1, 100)],
    ],
    models: [this.key?.models ?? ([] as string[])],
    limits: this.fb.array<ReturnType<ApiKeyDialog['limitGroup']>>(
      (this.key?.limits ?? [])
        .filter((l) => l.set_by === 'owner')
        .map((l) =>
          this.limitGroup(l.metric, l.window, fromAmount(l.metric, l.amount)),
        ),
    ),
  });
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  /** The created key, shown once. */
  protected readonly created = signal<CreatedApiKey | null>(null);
  protected readonly copied = signal(false);

  constructor() {
    this.catalog.load();
  }

  protected get limits(): FormArray {
    return this.form.controls.limits;
  }

  private limitGroup(
    metric: LimitMetric = 'messages',
    window: LimitWindow = 'day',
    amount = '',
  ) {
    const group = this.fb.group({
      metric: [metric],
      window: [window],
      amount: [amount, [Validators.required, amountValidator(metric)]],
    });
    group.controls.metric.valueChanges.subscribe((m) => {
      group.controls.amount.setValidators([
        Validators.required,
        amountValidator(m),
      ]);
      group.controls.amount.updateValueAndValidity();
    });
    return group;
  }

  /** "50 messages a day", "$5 a month on gpt-4o". */
  protected adminLimitText(l: ApiKeyLimitUse): string {
    const words = `${amountText(this.t, this.language.lang(), l.metric, l.amount)} ${perText(this.t, l.window)}`;
    return l.model
      ? (this.t.instant('apiKeys.onModel', {
          limit: words,
          model: l.model,
        }) as string)
      : words;
  }

  protected addLimit(): void {
    this.form.controls.limits.push(this.limitGroup());
  }

  protected removeLimit(i: number): void {
    this.form.controls.limits.removeAt(i);
  }

  protected submit(): void {
    this.form.markAllAsTouched();
    if (this.form.invalid || this.busy()) return;
    const value = this.form.getRawValue();
    const limits: ApiKeyLimit[] = value.limits.map((l) => ({
      metric: l.metric,
      window: l.window,
      amount: toAmount(l.metric, l.amount),
    }));
    this.busy.set(true);
    this.error.set(null);
    const name = value.name.trim();
    const models = value.models.length > 0 ? value.models : null;
    if (this.key) {
      // Only the owner's limits: the server keeps an administrator's.
      this.api.update(this.key.id, { name, models, limits }).subscribe({
        next: (key) => this.ref.close(key),
        error: (err: unknown) => {
          this.busy.set(false);
          this.error.set(errorMessageKey(err));
        },
      });
      return;
    }
    this.api
      .create({ name, models, ...(limits.length > 0 ? { limits } : {}) })
      .subscribe({
        next: (key) => {
          this.busy.set(false);
          this.created.set(key);
        },
        error: (err: unknown) => {
          this.busy.set(false);
          this.error.set(errorMessageKey(err));
        },
      });
  }

  protected done(): void {
    this.ref.close(this.created() ?? undefined);
  }
}
