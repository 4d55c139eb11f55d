import {
  ChangeDetectionStrategy,
  Component,
  inject,
  signal,
} from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import {
  AbstractControl,
  FormArray,
  NonNullableFormBuilder,
  ReactiveFormsModule,
  Validators,
} from '@angular/forms';
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
import { NAME_MAX, lengthValidator } from '../../shared/forms/validators';
import { map } from 'rxjs';
import { ApiKeysApi } from './api-keys-api.service';
import { ApiKeySecret } from './api-key-secret';
import { futureTimeValidator, sameSecond, toIso, toLocalInput } from './expiry';

/**
 * Creates an API key: a name, the models it may use (none picked: all),
 * limits of its own and when it expires (never, or a local date and time);
 * then shows the key once, with a copy button. Closes with the created key
 * (or nothing when cancelled).
 *
 * Opened with a key, changes it instead: its name, models, expiry and the
 * limits its owner set. The expiry is sent only when changed, so that a key
 * that has already expired can still be renamed. Limits an administrator put on the key are shown, read
 * only, and never sent: the server keeps them whatever the owner saves.
 * Closes with the changed key.
 */
@Component({
  selector: 'app-api-key-dialog',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatDialogModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    TranslatePipe,
    TextField,
    ApiKeySecret,
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
      [Validators.required, lengthValidator(1, NAME_MAX)],
    ],
    models: [this.key?.models ?? ([] as string[])],
    expires: [(this.key?.expires_at ? 'at' : 'never') as 'never' | 'at'],
    expiresAt: [
      this.initialExpiresAt(),
      [futureTimeValidator(this.key?.expires_at ?? null)],
    ],
    limits: this.fb.array<ReturnType<ApiKeyDialog['limitGroup']>>(
      (this.key?.limits ?? [])
        .filter((l) => l.set_by === 'owner')
        .map((l) =>
          this.limitGroup(l.metric, l.window, fromAmount(l.metric, l.amount)),
        ),
    ),
  });
  /** How many models are picked: the hint under the list says what that means. */
  protected readonly pickedModels = toSignal(
    this.form.controls.models.valueChanges.pipe(map((m) => m.length)),
    { initialValue: 0 },
  );
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  /** The created key, shown once. */
  protected readonly created = signal<CreatedApiKey | null>(null);

  constructor() {
    this.catalog.load();
    this.form.controls.expires.valueChanges.subscribe(() =>
      this.syncExpiresAt(),
    );
    this.syncExpiresAt();
  }

  /** The stored expiry in the local time of the input; a new key: a month from now. */
  private initialExpiresAt(): string {
    if (this.key?.expires_at) return toLocalInput(this.key.expires_at);
    return toLocalInput(new Date(Date.now() + 30 * 86_400_000));
  }

  /** The time is asked for (and checked) only when the key expires. */
  private syncExpiresAt(): void {
    const at = this.form.controls.expiresAt;
    if (this.form.controls.expires.value === 'at')
      at.enable({ emitEvent: false });
    else at.disable({ emitEvent: false });
  }

  /**
   * What to send as `expires_at`: null (never) or an ISO time; undefined
   * when an edit leaves it as it was.
   */
  private expiresAtToSend(): string | null | undefined {
    const { expires, expiresAt } = this.form.getRawValue();
    const value = expires === 'at' ? toIso(expiresAt) : null;
    if (!this.key) return value ?? undefined;
    const was = this.key.expires_at;
    if (value === null) return was === null ? undefined : null;
    return was !== null && sameSecond(was, value) ? undefined : value;
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

  /** A valid amount of 0: legal, but the key is refused from its first request on. */
  protected blocksKey(row: AbstractControl): boolean {
    const amount = row.get('amount');
    const metric = row.get('metric')?.value as LimitMetric;
    return (
      !!amount && amount.valid && toAmount(metric, String(amount.value)) === 0
    );
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
    const expires_at = this.expiresAtToSend();
    const expiry = expires_at === undefined ? {} : { expires_at };
    if (this.key) {
      // Only the owner's limits: the server keeps an administrator's.
      this.api
        .update(this.key.id, { name, models, limits, ...expiry })
        .subscribe({
          next: (key) => this.ref.close(key),
          error: (err: unknown) => {
            this.busy.set(false);
            this.error.set(errorMessageKey(err));
          },
        });
      return;
    }
    this.api
      .create({
        name,
        models,
        ...(limits.length > 0 ? { limits } : {}),
        ...expiry,
      })
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
