import {
  ChangeDetectionStrategy,
  Component,
  inject,
  signal,
} from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import {
  AbstractControl,
  NonNullableFormBuilder,
  ReactiveFormsModule,
  ValidationErrors,
} from '@angular/forms';
import { MatAutocompleteModule } from '@angular/material/autocomplete';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { TranslatePipe } from '@ngx-translate/core';
import {
  LIMITS,
  type Settings,
  type UpdateSettingsRequest,
} from '@tally/api-contract';
import { map, startWith } from 'rxjs';
import { errorMessageKey } from '../../core/http/api-error';
import { AdminApi } from '../data-access/admin-api.service';
import { TextField } from '../../shared/forms/text-field';
import { LoadStatus } from '../../shared/load-status';
import { wholeNumberValidator } from '../../shared/forms/validators';
import { AlertList } from './alert-list';
import { AlertSettings } from './alert-settings';
import { isTimeZone, timeZones } from './time-zones';

const ZONES = timeZones();
const ZONE_SET = new Set(ZONES);
const SUGGESTIONS = 50;

function timeZoneValidator(control: AbstractControl): ValidationErrors | null {
  const value = String(control.value ?? '').trim();
  if (!value) {
    return { required: true };
  }
  return isTimeZone(value, ZONE_SET) ? null : { timeZone: true };
}

@Component({
  selector: 'app-settings-page',
  imports: [
    ReactiveFormsModule,
    MatAutocompleteModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSlideToggleModule,
    TranslatePipe,
    TextField,
    LoadStatus,
    AlertSettings,
    AlertList,
  ],
  templateUrl: './settings.page.html',
  styleUrls: ['../admin-page.css', './settings.page.css'],
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SettingsPage {
  private readonly api = inject(AdminApi);
  private readonly fb = inject(NonNullableFormBuilder);

  protected readonly loading = signal(true);
  protected readonly saving = signal(false);
  protected readonly saved = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly current = signal<Settings | null>(null);
  /** Bumped when a test alert was sent, to load the list of alerts again. */
  protected readonly alertsReload = signal(0);
  protected readonly streamLimits = {
    min: LIMITS.maxConcurrentStreamsMin,
    max: LIMITS.maxConcurrentStreamsMax,
  };

  protected readonly form = this.fb.group({
    defaultMessages: ['', wholeNumberValidator(0, LIMITS.limitValueMax)],
    defaultTokens: ['', wholeNumberValidator(0, LIMITS.limitValueMax)],
    timezone: ['UTC', timeZoneValidator],
    allowRegistration: [false],
    maxStreams: [
      '',
      wholeNumberValidator(
        LIMITS.maxConcurrentStreamsMin,
        LIMITS.maxConcurrentStreamsMax,
      ),
    ],
  });

  protected readonly zoneSuggestions = toSignal(
    this.form.controls.timezone.valueChanges.pipe(
      startWith(''),
      map((text) => {
        const needle = text.trim().toLowerCase().replace(/\s+/g, '_');
        return ZONES.filter((zone) =>
          zone.toLowerCase().includes(needle),
        ).slice(0, SUGGESTIONS);
      }),
    ),
    { initialValue: ZONES.slice(0, SUGGESTIONS) },
  );

  constructor() {
    this.api.settings().subscribe({
      next: (settings) => {
        this.loading.set(false);
        this.apply(settings);
      },
      error: (err: unknown) => {
        this.loading.set(false);
        this.error.set(errorMessageKey(err));
      },
    });
    this.form.valueChanges.subscribe(() => this.saved.set(false));
  }

  protected save(): void {
    this.form.markAllAsTouched();
    const current = this.current();
    if (this.form.invalid || !current || this.saving()) {
      return;
    }
    const v = this.form.getRawValue();
    const next: Settings = {
      ...current,
      default_max_ai_messages_per_day: Number(v.defaultMessages.trim()),
      default_max_ai_tokens_per_day: Number(v.defaultTokens.trim()),
      quota_timezone: v.timezone.trim(),
      allow_registration: v.allowRegistration,
      max_concurrent_streams_per_user: Number(v.maxStreams.trim()),
    };
    const patch: UpdateSettingsRequest = {};
    for (const key of Object.keys(next) as (keyof Settings)[]) {
      if (next[key] !== current[key]) {
        (patch as Record<string, unknown>)[key] = next[key];
      }
    }
    if (Object.keys(patch).length === 0) {
      this.saved.set(true);
      return;
    }
    this.saving.set(true);
    this.error.set(null);
    this.api.updateSettings(patch).subscribe({
      next: (settings) => {
        this.saving.set(false);
        this.apply(settings);
        this.saved.set(true);
      },
      error: (err: unknown) => {
        this.saving.set(false);
        this.error.set(errorMessageKey(err));
      },
    });
  }

  /** The alert settings were saved: the rest of the form keeps what was typed. */
  protected alertsChanged(settings: Settings): void {
    this.current.set(settings);
  }

  private apply(settings: Settings): void {
    this.current.set(settings);
    this.form.setValue({
      defaultMessages: String(settings.default_max_ai_messages_per_day),
      defaultTokens: String(settings.default_max_ai_tokens_per_day),
      timezone: settings.quota_timezone,
      allowRegistration: settings.allow_registration,
      maxStreams: String(settings.max_concurrent_streams_per_user),
    });
    this.form.markAsPristine();
  }
}
