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
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { Router, RouterLink } from '@angular/router';
import { TranslatePipe } from '@ngx-translate/core';
import { AuthStore } from '../core/auth/auth.store';
import { errorMessageKey, toApiRequestError } from '../core/http/api-error';
import { LanguageSwitch } from '../shell/language-switch';

@Component({
  selector: 'app-login-page',
  imports: [
    ReactiveFormsModule,
    RouterLink,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    TranslatePipe,
    LanguageSwitch,
  ],
  template: `
    <main class="card">
      <div class="top">
        <h1>{{ 'auth.login.title' | translate }}</h1>
        <app-language-switch />
      </div>
      <p>{{ 'auth.tagline' | translate }}</p>
      <form [formGroup]="form" (ngSubmit)="submit()" novalidate>
        <mat-form-field appearance="outline">
          <mat-label>{{ 'auth.email' | translate }}</mat-label>
          <input
            matInput
            type="email"
            formControlName="email"
            autocomplete="username"
            data-testid="login-email"
          />
          @if (form.controls.email.hasError('required')) {
            <mat-error>{{ 'validation.required' | translate }}</mat-error>
          } @else if (form.controls.email.hasError('email')) {
            <mat-error>{{ 'validation.email' | translate }}</mat-error>
          }
        </mat-form-field>
        <mat-form-field appearance="outline">
          <mat-label>{{ 'auth.password' | translate }}</mat-label>
          <input
            matInput
            type="password"
            formControlName="password"
            autocomplete="current-password"
            data-testid="login-password"
          />
          @if (form.controls.password.hasError('required')) {
            <mat-error>{{ 'validation.required' | translate }}</mat-error>
          }
        </mat-form-field>
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
      <p class="alt">
        {{ 'auth.login.noAccount' | translate }}
        <a routerLink="/register">{{ 'auth.login.toRegister' | translate }}</a>
      </p>
    </main>
  `,
  styleUrl: './auth-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LoginPage {
  private readonly auth = inject(AuthStore);
  private readonly router = inject(Router);
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
        const status = toApiRequestError(err).status;
        this.error.set(
          status === 401 ? 'auth.login.invalid' : errorMessageKey(err),
        );
      },
    });
  }
}
