import {
  ChangeDetectionStrategy,
  Component,
  type OnInit,
  inject,
  signal,
} from '@angular/core';
import { DOCUMENT } from '@angular/common';
import { Router, RouterLink } from '@angular/router';
import { TranslatePipe } from '@ngx-translate/core';
import { AuthStore } from '../core/auth/auth.store';
import { errorMessageKey } from '../core/http/api-error';
import { appPath } from './sso-errors';

/**
 * Where a single sign-on lands (`/sso#code=…&return_to=…`): the one-time
 * code is taken out of the address at once (so it is neither kept in the
 * history nor sent anywhere), traded for a session, and the user goes on to
 * where they were headed.
 */
@Component({
  selector: 'app-sso-page',
  imports: [RouterLink, TranslatePipe],
  template: `
    <main class="card">
      @if (error(); as key) {
        <h1>{{ 'auth.sso.failedTitle' | translate }}</h1>
        <p class="error-text" role="alert" data-testid="sso-error">
          {{ key | translate }}
        </p>
        <p class="alt">
          <a routerLink="/login">{{ 'auth.sso.backToLogin' | translate }}</a>
        </p>
      } @else {
        <p role="status" data-testid="sso-progress">
          {{ 'auth.sso.signingIn' | translate }}
        </p>
      }
    </main>
  `,
  styleUrl: './auth-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SsoPage implements OnInit {
  private readonly auth = inject(AuthStore);
  private readonly router = inject(Router);
  private readonly document = inject(DOCUMENT);
  protected readonly error = signal<string | null>(null);

  ngOnInit(): void {
    const location = this.document.location;
    const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
    const code = fragment.get('code');
    const next = appPath(fragment.get('return_to')) ?? '/';
    // The code leaves the address bar and the history before anything else.
    this.document.defaultView?.history.replaceState(
      null,
      '',
      location.pathname + location.search,
    );
    if (!code) {
      this.error.set('errors.code.SSO_CODE_INVALID');
      return;
    }
    this.auth.exchangeSsoCode(code).subscribe({
      next: () => void this.router.navigateByUrl(next),
      error: (err: unknown) => this.error.set(errorMessageKey(err)),
    });
  }
}
