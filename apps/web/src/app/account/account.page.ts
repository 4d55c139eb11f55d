import {
  ChangeDetectionStrategy,
  Component,
  inject,
  signal,
  viewChild,
} from '@angular/core';
import {
  AbstractControl,
  FormGroupDirective,
  NonNullableFormBuilder,
  ReactiveFormsModule,
  type ValidationErrors,
  Validators,
} from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { TranslatePipe } from '@ngx-translate/core';
import { LIMITS } from '@tally/api-contract';
import { switchMap } from 'rxjs';
import { AuthStore } from '../core/auth/auth.store';
import { errorMessageKey } from '../core/http/api-error';
import { TextField } from '../shared/forms/text-field';
import {
  NAME_MAX,
  NEW_PASSWORD,
  lengthValidator,
} from '../shared/forms/validators';
import { LanguageSwitch } from '../shell/language-switch';

/** Every signed-in user's own account: name, language, password. */
@Component({
  selector: 'app-account-page',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    TranslatePipe,
    TextField,
    LanguageSwitch,
  ],
  templateUrl: './account.page.html',
  styleUrl: './account.page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AccountPage {
  protected readonly auth = inject(AuthStore);
  private readonly fb = inject(NonNullableFormBuilder);
  protected readonly newPassword = NEW_PASSWORD;

  protected readonly profile = this.fb.group({
    name: [this.auth.user()?.name ?? '', [lengthValidator(0, NAME_MAX)]],
  });
  protected readonly profileBusy = signal(false);
  protected readonly profileSaved = signal(false);
  protected readonly profileError = signal<string | null>(null);

  protected readonly password = this.fb.group(
    {
      current: [
        '',
        [Validators.required, lengthValidator(1, LIMITS.passwordMax)],
      ],
      next: ['', NEW_PASSWORD.validators],
      confirm: ['', Validators.required],
    },
    { validators: passwordPairValidator },
  );
  /** The password form's directive: its `submitted` state shows errors, so a reset clears it too. */
  private readonly passwordForm =
    viewChild.required<FormGroupDirective>('passwordForm');
  protected readonly passwordBusy = signal(false);
  protected readonly passwordChanged = signal(false);
  protected readonly passwordError = signal<string | null>(null);

  constructor() {
    // The user may not be loaded yet when the page opens directly.
    this.auth.ensureUser().subscribe((user) => {
      if (user && !this.profile.dirty) {
        this.profile.controls.name.setValue(user.name);
      }
    });
  }

  protected saveProfile(): void {
    this.profile.markAllAsTouched();
    if (this.profile.invalid || this.profileBusy()) {
      return;
    }
    this.profileBusy.set(true);
    this.profileSaved.set(false);
    this.profileError.set(null);
    this.auth
      .updateMe({ name: this.profile.getRawValue().name.trim() })
      .subscribe({
        next: (user) => {
          this.profileBusy.set(false);
          this.profileSaved.set(true);
          this.profile.reset({ name: user.name });
        },
        error: (err: unknown) => {
          this.profileBusy.set(false);
          this.profileError.set(errorMessageKey(err));
        },
      });
  }

  protected changePassword(): void {
    this.password.markAllAsTouched();
    const email = this.auth.user()?.email;
    if (this.password.invalid || this.passwordBusy() || !email) {
      return;
    }
    const { current, next } = this.password.getRawValue();
    this.passwordBusy.set(true);
    this.passwordChanged.set(false);
    this.passwordError.set(null);
    // The change ends every earlier token, this session's too: sign in again with the new password.
    this.auth
      .changePassword({ current_password: current, new_password: next })
      .pipe(switchMap(() => this.auth.login({ email, password: next })))
      .subscribe({
        next: () => {
          this.passwordBusy.set(false);
          this.passwordChanged.set(true);
          // resetForm, not reset: the form stays "submitted" otherwise, and every empty field says "required".
          this.passwordForm().resetForm();
        },
        error: (err: unknown) => {
          this.passwordBusy.set(false);
          this.passwordError.set(errorMessageKey(err));
        },
      });
  }
}

/**
 * Sets (or clears) the errors of the new password's fields that depend on
 * another field: `samePassword` on `next` when it is the current one,
 * `mismatch` on `confirm` when it differs from `next`. Their own errors
 * (required, length) come first.
 */
function passwordPairValidator(group: AbstractControl): null {
  const current = group.get('current');
  const next = group.get('next');
  const confirm = group.get('confirm');
  if (!current || !next || !confirm) {
    return null;
  }
  setPairError(
    next,
    'samePassword',
    next.value !== '' && next.value === current.value,
  );
  setPairError(
    confirm,
    'mismatch',
    confirm.value !== '' && confirm.value !== next.value,
  );
  return null;
}

function setPairError(
  control: AbstractControl,
  key: string,
  on: boolean,
): void {
  const { [key]: had, ...others } = control.errors ?? {};
  if (on === Boolean(had)) {
    return;
  }
  const errors: ValidationErrors = on ? { ...others, [key]: true } : others;
  // With its events: the field's error text follows them.
  control.setErrors(Object.keys(errors).length > 0 ? errors : null);
}
