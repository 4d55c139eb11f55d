import {
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  input,
  signal,
} from '@angular/core';
import { ReactiveFormsModule } from '@angular/forms';
import { MatRadioModule } from '@angular/material/radio';
import { TranslatePipe } from '@ngx-translate/core';
import { LocalNumberPipe } from '../../core/i18n/format';
import { TextField } from '../../shared/forms/text-field';
import { LimitForm } from './limit-validators';

/** "Use the default (N)" or a whole number 0..2147483647, for one daily limit. */
@Component({
  selector: 'app-limit-editor',
  imports: [
    ReactiveFormsModule,
    MatRadioModule,
    TranslatePipe,
    LocalNumberPipe,
    TextField,
  ],
  template: `
    <fieldset class="limit" [formGroup]="form()" [attr.data-testid]="testId()">
      <legend>{{ label() | translate }}</legend>
      <mat-radio-group
        formControlName="mode"
        [attr.aria-label]="label() | translate"
      >
        <mat-radio-button value="default" data-testid="limit-default">
          {{
            'admin.users.limit.useDefault'
              | translate: { value: (defaultValue() | localNumber) }
          }}
        </mat-radio-button>
        <mat-radio-button value="custom" data-testid="limit-custom">
          {{ 'admin.users.limit.custom' | translate }}
        </mat-radio-button>
      </mat-radio-group>
      @if (custom()) {
        <app-text-field
          class="value"
          name="value"
          label="admin.users.limit.value"
          inputmode="numeric"
          autocomplete="off"
          testId="limit-value"
          errorTestId="limit-error"
        />
      }
    </fieldset>
  `,
  styles: `
    .limit {
      border: 1px solid var(--mat-sys-outline-variant);
      border-radius: 8px;
      padding: 8px 12px;
      margin: 0 0 12px;
    }
    mat-radio-group {
      display: flex;
      flex-wrap: wrap;
      gap: 4px 12px;
    }
    .value {
      width: 100%;
      margin-top: 4px;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LimitEditor {
  readonly form = input.required<LimitForm>();
  /** The translation key of the legend. */
  readonly label = input.required<string>();
  /** The effective default from the settings. */
  readonly defaultValue = input<number | null>(null);
  readonly testId = input<string>('limit');

  /** Bumped on every form event, so this OnPush view follows the form. */
  private readonly formVersion = signal(0);

  protected readonly custom = computed(() => {
    this.formVersion();
    return this.form().controls.mode.value === 'custom';
  });

  constructor() {
    effect((onCleanup) => {
      const subscription = this.form().events.subscribe(() =>
        this.formVersion.update((n) => n + 1),
      );
      onCleanup(() => subscription.unsubscribe());
    });
  }
}
