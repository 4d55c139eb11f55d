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
import { toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { Router, RouterLink } from '@angular/router';
import { TranslatePipe } from '@ngx-translate/core';
import { AuthStore } from '../core/auth/auth.store';
import { errorMessageKey } from '../core/http/api-error';
import { TextField } from '../shared/forms/text-field';
import { LanguageSwitch } from '../shell/language-switch';

@Component({
  selector: 'app-login-page',
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
        <h1>{{ 'auth.login.title' | translate }}</h1>
        <app-language-switch />
      </div>
      <p>{{ 'auth.tagline' | translate }}</p>
      <form [formGroup]="form" (ngSubmit)="submit()" novalidate>
        <app-text-field
          name="email"
          type="email"
          label="auth.email"
          autocomplete="username"
          testId="login-email"
        />
        <app-text-field
          name="password"
          type="password"
          label="auth.password"
          autocomplete="current-password"
          testId="login-password"
        />
        @if (error(); as key) {
          <p class="error-text" role="alert" data-testid="login-error">
            {{ key | translate }}
          </p>
        }
        <button
          mat-flat-button
          type="submit"
          [disabled]="busy()"
          data-testid="login-submit"
        >
          {{ 'auth.login.submit' | translate }}
        </button>
      </form>
      @if (registrationOpen()) {
        <p class="alt" data-testid="login-register">
          {{ 'auth.login.noAccount' | translate }}
          <a routerLink="/register">{{
            'auth.login.toRegister' | translate
          }}</a>
        </p>
      }
    </main>
  `,
  styleUrl: './auth-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LoginPage {
  private readonly auth = inject(AuthStore);
  private readonly router = inject(Router);
  /** Registration is offered only while it is open (unknown yet: not offered). */
  protected readonly registrationOpen = toSignal(this.auth.registrationOpen(), {
    initialValue: false,
  });
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly form = inject(NonNullableFormBuilder).group({
    email: ['', [Validators.required, Validators.email]],
    password: ['', Validators.required],
  });

  protected submit(): void {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    this.busy.set(true);
    this.error.set(null);
    this.auth.login(this.form.getRawValue()).subscribe({
      next: () => void this.router.navigateByUrl('/chats'),
      error: (err: unknown) => {
        this.busy.set(false);
        this.error.set(errorMessageKey(err, { 401: 'auth.login.invalid' }));
      },
    });
  }
}
