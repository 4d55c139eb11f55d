import {
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  inject,
  input,
  output,
  signal,
  untracked,
} from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { TranslatePipe } from '@ngx-translate/core';
import type {
  AlertTestResult,
  Settings,
  UpdateSettingsRequest,
} from '@tally/api-contract';
import { errorMessageKey } from '../../core/http/api-error';
import { TextField } from '../../shared/forms/text-field';
import {
  httpUrlValidator,
  lengthValidator,
  parseThresholds,
  thresholdsValidator,
} from '../../shared/forms/validators';
import { AdminApi } from '../data-access/admin-api.service';
import { AlertsApi } from '../data-access/alerts-api.service';

const SECRET_MAX = 500;

/**
 * The alert settings of the Settings page: the webhook URL, the thresholds,
 * the write-only secret (set, change, remove) and a test alert. Saves only
 * its own fields; `changed` gives the settings the API answered.
 */
@Component({
  selector: 'app-alert-settings',
  imports: [ReactiveFormsModule, MatButtonModule, TranslatePipe, TextField],
  templateUrl: './alert-settings.html',
  styleUrl: './settings.page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AlertSettings {
  readonly settings = input<Settings | null>(null);
  readonly changed = output<Settings>();
  /** A test alert was sent (the list of alerts has a new row). */
  readonly tested = output<void>();

  private readonly api = inject(AdminApi);
  private readonly alerts = inject(AlertsApi);
  private readonly fb = inject(NonNullableFormBuilder);

  protected readonly saving = signal(false);
  protected readonly saved = signal(false);
  protected readonly error = signal<string | null>(null);
  /** The secret field is open (to set or change the secret). */
  protected readonly editingSecret = signal(false);
  protected readonly testing = signal(false);
  protected readonly testResult = signal<AlertTestResult | null>(null);
  protected readonly testError = signal<string | null>(null);
  protected readonly hasSecret = computed(
    () => this.settings()?.has_alert_webhook_secret ?? false,
  );
  /** A test needs a saved URL; unsaved changes are saved first by the admin. */
  private readonly dirty = signal(false);
  protected readonly canTest = computed(
    () =>
      Boolean(this.settings()?.alert_webhook_url) &&
      !this.dirty() &&
      !this.testing() &&
      !this.saving(),
  );

  protected readonly form = this.fb.group({
    webhookUrl: ['', httpUrlValidator],
    thresholds: ['', thresholdsValidator],
    secret: ['', lengthValidator(1, SECRET_MAX)],
  });

  constructor() {
    effect(() => {
      const settings = this.settings();
      if (settings) untracked(() => this.apply(settings));
    });
    this.form.valueChanges.subscribe(() => {
      if (this.applying) return;
      this.saved.set(false);
      this.dirty.set(this.form.dirty);
    });
  }

  protected editSecret(): void {
    this.editingSecret.set(true);
  }

  protected cancelSecret(): void {
    this.form.controls.secret.setValue('');
    this.editingSecret.set(false);
  }

  protected save(): void {
    this.form.markAllAsTouched();
    const current = this.settings();
    const v = this.form.getRawValue();
    const thresholds = parseThresholds(v.thresholds);
    if (this.form.invalid || !current || !thresholds || this.saving()) return;
    const patch: UpdateSettingsRequest = {};
    const url = v.webhookUrl.trim() || null;
    if (url !== (current.alert_webhook_url ?? null))
      patch.alert_webhook_url = url;
    if (JSON.stringify(thresholds) !== JSON.stringify(current.alert_thresholds))
      patch.alert_thresholds = thresholds;
    if (this.editingSecret()) {
      if (v.secret === '') {
        this.form.controls.secret.setErrors({ required: true });
        return;
      }
      patch.alert_webhook_secret = v.secret;
    }
    this.send(patch);
  }

  protected removeSecret(): void {
    this.send({ alert_webhook_secret: null });
  }

  protected sendTest(): void {
    this.testing.set(true);
    this.testResult.set(null);
    this.testError.set(null);
    this.alerts.sendTest().subscribe({
      next: (result) => {
        this.testing.set(false);
        this.testResult.set(result);
        this.tested.emit();
      },
      error: (err: unknown) => {
        this.testing.set(false);
        this.testError.set(errorMessageKey(err));
      },
    });
  }

  private send(patch: UpdateSettingsRequest): void {
    if (Object.keys(patch).length === 0) {
      this.form.markAsPristine();
      this.dirty.set(false);
      this.saved.set(true);
      return;
    }
    this.saving.set(true);
    this.error.set(null);
    this.api.updateSettings(patch).subscribe({
      next: (settings) => {
        this.saving.set(false);
        this.changed.emit(settings);
        this.saved.set(true);
      },
      error: (err: unknown) => {
        this.saving.set(false);
        this.error.set(errorMessageKey(err));
      },
    });
  }

  /** True while the form takes the saved settings (that is no edit). */
  private applying = false;

  private apply(settings: Settings): void {
    this.applying = true;
    this.form.setValue({
      webhookUrl: settings.alert_webhook_url ?? '',
      thresholds: (settings.alert_thresholds ?? [80, 100]).join(', '),
      secret: '',
    });
    this.editingSecret.set(false);
    this.form.markAsPristine();
    this.form.markAsUntouched();
    this.dirty.set(false);
    this.applying = false;
  }
}
