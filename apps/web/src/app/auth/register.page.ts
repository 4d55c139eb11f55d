import {
  ChangeDetectionStrategy,
  Component,
  inject,
  signal,
} from '@angular/core';
import {
  NonNullableFormBuilder,
  ReactiveFormsModule,
  Validators,
} from '@angular/forms';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { Router, RouterLink } from '@angular/router';
import { TranslatePipe } from '@ngx-translate/core';
import { AuthStore } from '../core/auth/auth.store';
import { errorMessageKey, toApiRequestError } from '../core/http/api-error';
import { TextField } from '../shared/forms/text-field';
import {
  NAME_MAX,
  NEW_PASSWORD,
  lengthValidator,
} from '../shared/forms/validators';
import { LanguageSwitch } from '../shell/language-switch';

@Component({
  selector: 'app-register-page',
  imports: [
    ReactiveFormsModule,
    RouterLink,
    MatButtonModule,
    TranslatePipe,
    LanguageSwitch,
    TextField,
  ],
  template: `
    <main class="card">
      <div class="top">
        <h1>{{ 'auth.register.title' | translate }}</h1>
        <app-language-switch />
      </div>
      @if (closed()) {
        <p
          class="banner banner-error"
          role="alert"
          data-testid="registration-closed"
        >
          {{ 'errors.code.REGISTRATION_CLOSED' | translate }}
        </p>
      }
      <form [formGroup]="form" (ngSubmit)="submit()" novalidate>
        <app-text-field name="name" label="auth.name" autocomplete="name" />
        <app-text-field
          name="email"
          type="email"
          label="auth.email"
          autocomplete="email"
        />
        <app-text-field
          name="password"
          type="password"
          label="auth.password"
          autocomplete="new-password"
          [hint]="password.hint"
          [hintParams]="password.hintParams"
        />
        @if (error(); as key) {
          <p class="error-text" role="alert">{{ key | translate }}</p>
        }
        <button mat-flat-button type="submit" [disabled]="busy() || closed()">
          {{ 'auth.register.submit' | translate }}
        </button>
      </form>
      <p class="alt">
        {{ 'auth.register.haveAccount' | translate }}
        <a routerLink="/login">{{ 'auth.register.toLogin' | translate }}</a>
      </p>
    </main>
  `,
  styleUrl: './auth-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RegisterPage {
  private readonly auth = inject(AuthStore);
  private readonly router = inject(Router);
  protected readonly busy = signal(false);
  protected readonly closed = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly password = NEW_PASSWORD;
  protected readonly form = inject(NonNullableFormBuilder).group({
    name: ['', lengthValidator(0, NAME_MAX)],
    email: ['', [Validators.required, Validators.email]],
    password: ['', NEW_PASSWORD.validators],
  });

  constructor() {
    // Closed: said on arrival, not after the form is filled in.
    this.auth
      .registrationOpen()
      .pipe(takeUntilDestroyed())
      .subscribe((open) => this.closed.set(!open));
  }

  protected submit(): void {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const { name, email, password } = this.form.getRawValue();
    this.busy.set(true);
    this.error.set(null);
    this.auth
      .register({
        email,
        password,
        ...(name.trim() ? { name: name.trim() } : {}),
      })
      .subscribe({
        next: () => void this.router.navigateByUrl('/chats'),
        error: (err: unknown) => {
          this.busy.set(false);
          if (toApiRequestError(err).code === 'REGISTRATION_CLOSED') {
            this.closed.set(true);
            return;
          }
          this.error.set(
            errorMessageKey(err, { 409: 'errors.code.EMAIL_TAKEN' }),
          );
        },
      });
  }
}
