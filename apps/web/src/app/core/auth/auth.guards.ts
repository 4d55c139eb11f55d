import { inject } from '@angular/core';
import { CanMatchFn, Router } from '@angular/router';
import { map } from 'rxjs';
import { AuthStore } from './auth.store';

/** Signed-in users only; others go to the login page. */
export const authGuard: CanMatchFn = () => {
  const auth = inject(AuthStore);
  const router = inject(Router);
  return auth
    .ensureUser()
    .pipe(map((user) => (user ? true : router.createUrlTree(['/login']))));
};

/** Login and registration are for signed-out visitors only. */
export const guestGuard: CanMatchFn = () => {
  const auth = inject(AuthStore);
  const router = inject(Router);
  return auth.isLoggedIn() ? router.createUrlTree(['/chats']) : true;
};

/**
 * Admins only. Used as `canMatch`, so the admin chunk is never even
 * downloaded for anyone else.
 */
export const adminGuard: CanMatchFn = () => {
  const auth = inject(AuthStore);
  const router = inject(Router);
  return auth
    .ensureUser()
    .pipe(
      map((user) =>
        user?.role === 'admin' ? true : router.createUrlTree(['/chats']),
      ),
    );
};
