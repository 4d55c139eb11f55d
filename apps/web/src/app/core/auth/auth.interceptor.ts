import { HttpErrorResponse, HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { catchError, throwError } from 'rxjs';
import { AuthStore } from './auth.store';

/** Calls where a 401 means "wrong password", not "session over". */
const CREDENTIAL_URLS = ['/api/auth/login', '/api/auth/register'];

/** Adds `Authorization: Bearer` to API calls; a 401 ends the session. */
export const authInterceptor: HttpInterceptorFn = (request, next) => {
  if (!request.url.startsWith('/api/')) {
    return next(request);
  }
  const auth = inject(AuthStore);
  const token = auth.token();
  const authorized = token
    ? request.clone({ setHeaders: { Authorization: `Bearer ${token}` } })
    : request;
  return next(authorized).pipe(
    catchError((error: unknown) => {
      if (
        error instanceof HttpErrorResponse &&
        error.status === 401 &&
        !CREDENTIAL_URLS.includes(request.url)
      ) {
        auth.logout();
      }
      return throwError(() => error);
    }),
  );
};
