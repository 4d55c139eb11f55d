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
import { LIMITS } from '@tally/api-contract';
import { AuthStore } from '../core/auth/auth.store';
import { errorMessageKey, toApiRequestError } from '../core/http/api-error';
import { LanguageSwitch } from '../shell/language-switch';

@Component({
  selector: 'app-register-page',
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
        <mat-form-field appearance="outline">
          <mat-label>{{ 'auth.name' | translate }}</mat-label>
          <input matInput formControlName="name" autocomplete="name" />
        </mat-form-field>
        <mat-form-field appearance="outline">
          <mat-label>{{ 'auth.email' | translate }}</mat-label>
          <input
            matInput
            type="email"
            formControlName="email"
            autocomplete="email"
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
            autocomplete="new-password"
          />
          <mat-hint>{{
            'validation.passwordLength' | translate: passwordLimits
          }}</mat-hint>
          @if (form.controls.password.hasError('required')) {
            <mat-error>{{ 'validation.required' | translate }}</mat-error>
          } @else if (
            form.controls.password.hasError('minlength') ||
            form.controls.password.hasError('maxlength')
          ) {
            <mat-error>{{
              'validation.passwordLength' | translate: passwordLimits
            }}</mat-error>
          }
        </mat-form-field>
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
  protected readonly passwordLimits = {
    min: LIMITS.passwordMin,
    max: LIMITS.passwordMax,
  };
  protected readonly form = inject(NonNullableFormBuilder).group({
    name: [''],
    email: ['', [Validators.required, Validators.email]],
    password: [
      '',
      [
        Validators.required,
        Validators.minLength(LIMITS.passwordMin),
        Validators.maxLength(LIMITS.passwordMax),
      ],
    ],
  });

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
          const e = toApiRequestError(err);
          if (e.status === 403 && e.code === 'REGISTRATION_CLOSED') {
            this.closed.set(true);
            return;
          }
          this.error.set(
            e.status === 409 ? 'errors.code.EMAIL_TAKEN' : errorMessageKey(err),
          );
        },
      });
  }
}
