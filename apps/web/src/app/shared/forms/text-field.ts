import {
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  inject,
  input,
  signal,
} from '@angular/core';
import {
  ControlContainer,
  FormControl,
  ReactiveFormsModule,
} from '@angular/forms';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { TranslatePipe } from '@ngx-translate/core';
import { LanguageService } from '../../core/i18n/language.service';
import { fieldError } from './validators';

/**
 * One labelled text input of the surrounding reactive form, found by `name`,
 * with its hint and its first error in words:
 * `<app-text-field name="email" type="email" label="auth.email" />`.
 */
@Component({
  selector: 'app-text-field',
  imports: [
    ReactiveFormsModule,
    MatFormFieldModule,
    MatInputModule,
    TranslatePipe,
  ],
  template: `
    <mat-form-field appearance="outline" [subscriptSizing]="subscriptSizing()">
      <mat-label>{{ label() | translate }}</mat-label>
      <input
        matInput
        [formControl]="control()"
        [type]="type()"
        [name]="name()"
        [attr.autocomplete]="autocomplete()"
        [attr.inputmode]="inputmode()"
        [attr.data-testid]="testId()"
      />
      @if (hint(); as key) {
        <mat-hint>{{ key | translate: hintParams() }}</mat-hint>
      }
      @if (error(); as e) {
        <mat-error [attr.data-testid]="errorTestId()">{{
          e.key | translate: e.params
        }}</mat-error>
      }
    </mat-form-field>
  `,
  styles: `
    :host {
      display: block;
    }
    mat-form-field {
      width: 100%;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TextField {
  /** The control's name in the surrounding form group. */
  readonly name = input.required<string>();
  /** Translation keys. */
  readonly label = input.required<string>();
  readonly hint = input<string | null>(null);
  readonly hintParams = input<Record<string, unknown>>({});
  readonly type = input<'text' | 'email' | 'password'>('text');
  readonly autocomplete = input<string | null>(null);
  readonly inputmode = input<'numeric' | 'decimal' | null>(null);
  readonly testId = input<string | null>(null);
  /** `dynamic`: a hint or error longer than a line pushes what follows down instead of overlapping it. */
  readonly subscriptSizing = input<'fixed' | 'dynamic'>('fixed');
  readonly errorTestId = input<string | null>(null);

  private readonly container = inject(ControlContainer);
  private readonly language = inject(LanguageService);

  protected readonly control = computed(() => {
    const control = this.container.control?.get(this.name());
    if (!(control instanceof FormControl)) {
      throw new Error(`app-text-field: no control "${this.name()}"`);
    }
    return control;
  });

  /** Bumped on every event of the control, so this OnPush view follows it (touched on submit, too). */
  private readonly version = signal(0);

  protected readonly error = computed(() => {
    this.version();
    return fieldError(this.control(), this.language.lang());
  });

  constructor() {
    effect((onCleanup) => {
      const subscription = this.control().events.subscribe(() =>
        this.version.update((n) => n + 1),
      );
      onCleanup(() => subscription.unsubscribe());
    });
  }
}
