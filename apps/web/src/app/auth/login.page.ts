import {
  ChangeDetectionStrategy,
  Component,
  computed,
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
import { ActivatedRoute, Router, RouterLink } from '@angular/router';
import { map } from 'rxjs';
import { TranslatePipe } from '@ngx-translate/core';
import { AuthStore } from '../core/auth/auth.store';
import { errorMessageKey } from '../core/http/api-error';
import { TextField } from '../shared/forms/text-field';
import { LanguageSwitch } from '../shell/language-switch';
import { ssoErrorKey } from './sso-errors';

/** The label the API gives when OIDC_LABEL is not set: said in the page's language instead. */
const DEFAULT_SSO_LABEL = 'Single sign-on';

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
      @if (ssoError(); as key) {
        <p class="error-text" role="alert" data-testid="login-sso-error">
          {{ key | translate }}
        </p>
      }
      @if (sso()?.enabled) {
        <a
          mat-flat-button
          class="sso"
          href="/api/auth/sso/login"
          data-testid="login-sso"
        >
          @if (sso()?.label === defaultLabel) {
            {{ 'auth.sso.button' | translate }}
          } @else {
            {{ sso()?.label }}
          }
        </a>
      }
      @if (passwordShown()) {
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
      } @else {
        <p class="alt">
          <button
            mat-button
            type="button"
            (click)="adminSignIn.set(true)"
            data-testid="login-admin"
          >
            {{ 'auth.sso.adminSignIn' | translate }}
          </button>
        </p>
      }
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
  /** What the page offers besides passwords; null until the API says. */
  protected readonly sso = toSignal(this.auth.ssoStatus(), {
    initialValue: null,
  });
  protected readonly defaultLabel = DEFAULT_SSO_LABEL;
  /** With password sign-in off, the ADMIN_EMAIL account still has it: behind a link. */
  protected readonly adminSignIn = signal(false);
  protected readonly passwordShown = computed(
    () => this.sso()?.password_login !== false || this.adminSignIn(),
  );
  /** Why the last single sign-on came back here (`?sso_error=`). */
  protected readonly ssoError = toSignal(
    inject(ActivatedRoute).queryParamMap.pipe(
      map((params) => ssoErrorKey(params.get('sso_error'))),
    ),
    { initialValue: null },
  );
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
