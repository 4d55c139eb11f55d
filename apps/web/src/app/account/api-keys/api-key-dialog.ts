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
import { ClipboardModule } from '@angular/cdk/clipboard';
import { MatButtonModule } from '@angular/material/button';
import { MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { TranslatePipe } from '@ngx-translate/core';
import {
  type ApiKeyLimit,
  type CreatedApiKey,
  LIMIT_METRICS,
  LIMIT_WINDOWS,
  type LimitMetric,
  type LimitWindow,
} from '@tally/api-contract';
import { errorMessageKey } from '../../core/http/api-error';
import { amountValidator, toAmount } from '../../admin/limits/limit-amount';
import { ModelsStore } from '../../chat/data-access/models.store';
import { TextField } from '../../shared/forms/text-field';
import { NAME_MAX, lengthValidator } from '../../shared/forms/validators';
import { map } from 'rxjs';
import { ApiKeysApi } from './api-keys-api.service';

/**
 * Creates an API key: a name, the models it may use (none picked: all) and
 * limits of its own; then shows the key once, with a copy button. Closes
 * with the created key (or nothing when cancelled).
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
  private readonly ref = inject(MatDialogRef<ApiKeyDialog, CreatedApiKey>);
  protected readonly catalog = inject(ModelsStore);
  protected readonly metrics = LIMIT_METRICS;
  protected readonly windows = LIMIT_WINDOWS;

  protected readonly form = this.fb.group({
    name: ['', [Validators.required, lengthValidator(1, NAME_MAX)]],
    models: [[] as string[]],
    limits: this.fb.array<ReturnType<ApiKeyDialog['limitGroup']>>([]),
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
  ) {
    const group = this.fb.group({
      metric: [metric],
      window: [window],
      amount: ['', [Validators.required, amountValidator(metric)]],
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
    this.api
      .create({
        name: value.name.trim(),
        models: value.models.length > 0 ? value.models : null,
        ...(limits.length > 0 ? { limits } : {}),
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
