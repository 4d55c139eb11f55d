import { HttpClient } from '@angular/common/http';
import { Injectable, computed, inject, signal } from '@angular/core';
import { Router } from '@angular/router';
import type {
  AuthResponse,
  ChangePasswordRequest,
  LoginRequest,
  RegisterRequest,
  RegistrationStatus,
  SsoStatus,
  UpdateMeRequest,
  User,
} from '@tally/api-contract';
import {
  BehaviorSubject,
  Observable,
  catchError,
  distinctUntilChanged,
  map,
  of,
  shareReplay,
  tap,
} from 'rxjs';
import { STORAGE_KEYS, storage } from '../storage';

/**
 * The signed-in session: the access token (kept in localStorage so a reload
 * stays signed in) and the current user.
 */
@Injectable({ providedIn: 'root' })
export class AuthStore {
  private readonly http = inject(HttpClient);
  private readonly router = inject(Router);

  private readonly tokenState = new BehaviorSubject<string | null>(
    storage.get(STORAGE_KEYS.token),
  );
  private readonly tokenSignal = signal(this.tokenState.value);
  private readonly userSignal = signal<User | null>(null);
  private pendingMe: Observable<User | null> | null = null;

  readonly token = this.tokenSignal.asReadonly();
  readonly user = this.userSignal.asReadonly();
  readonly isLoggedIn = computed(() => this.tokenSignal() !== null);
  readonly isAdmin = computed(() => this.userSignal()?.role === 'admin');

  /** Emits at once and whenever the user signs in or out. */
  readonly loggedIn$: Observable<boolean> = this.tokenState.pipe(
    map((token) => token !== null),
    distinctUntilChanged(),
  );

  login(request: LoginRequest): Observable<User> {
    return this.http
      .post<AuthResponse>('/api/auth/login', request)
      .pipe(map((response) => this.startSession(response)));
  }

  register(request: RegisterRequest): Observable<User> {
    return this.http
      .post<AuthResponse>('/api/auth/register', request)
      .pipe(map((response) => this.startSession(response)));
  }

  /** Whether anyone may register now (no sign-in needed); open when the API cannot say. */
  registrationOpen(): Observable<boolean> {
    return this.http.get<RegistrationStatus>('/api/auth/registration').pipe(
      map((status) => status.open),
      catchError(() => of(true)),
    );
  }

  /**
   * What the sign-in page offers: single sign-on, password sign-in. When the
   * API cannot say: passwords only, as before single sign-on.
   */
  ssoStatus(): Observable<SsoStatus> {
    return this.http
      .get<SsoStatus>('/api/auth/sso')
      .pipe(
        catchError(() =>
          of({ enabled: false, label: '', password_login: true }),
        ),
      );
  }

  /** Trades the one-time code of a single sign-on for a session. */
  exchangeSsoCode(code: string): Observable<User> {
    return this.http
      .post<AuthResponse>('/api/auth/sso/exchange', { code })
      .pipe(map((response) => this.startSession(response)));
  }

  /** Changes the signed-in user's own name; the session's user follows. */
  updateMe(request: UpdateMeRequest): Observable<User> {
    return this.http
      .patch<User>('/api/auth/me', request)
      .pipe(tap((user) => this.userSignal.set(user)));
  }

  /** Changes the own password. Every earlier token stops working, this session's too. */
  changePassword(request: ChangePasswordRequest): Observable<void> {
    return this.http.post<void>('/api/auth/password', request);
  }

  /** The current user, asking the API once per session if not known yet; null when signed out. */
  ensureUser(): Observable<User | null> {
    if (!this.tokenSignal()) {
      return of(null);
    }
    const known = this.userSignal();
    if (known) {
      return of(known);
    }
    this.pendingMe ??= this.http.get<User>('/api/auth/me').pipe(
      tap((user) => this.userSignal.set(user)),
      catchError(() => {
        this.clearSession();
        return of(null);
      }),
      tap(() => (this.pendingMe = null)),
      shareReplay(1),
    );
    return this.pendingMe;
  }

  /** Ends the session and goes back to the login page. */
  logout(): void {
    this.clearSession();
    void this.router.navigateByUrl('/login');
  }

  private startSession(response: AuthResponse): User {
    storage.set(STORAGE_KEYS.token, response.access_token);
    this.userSignal.set(response.user);
    this.setToken(response.access_token);
    return response.user;
  }

  private clearSession(): void {
    storage.remove(STORAGE_KEYS.token);
    this.userSignal.set(null);
    this.pendingMe = null;
    this.setToken(null);
  }

  private setToken(token: string | null): void {
    this.tokenSignal.set(token);
    this.tokenState.next(token);
  }
}
