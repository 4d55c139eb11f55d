import { Route } from '@angular/router';
import { adminGuard, authGuard, guestGuard } from './core/auth/auth.guards';

/** Route titles are translation keys; see TranslatedTitleStrategy. */
export const appRoutes: Route[] = [
  {
    path: 'login',
    canMatch: [guestGuard],
    title: 'auth.login.submit',
    loadComponent: () => import('./auth/login.page').then((m) => m.LoginPage),
  },
  {
    // A single sign-on's landing: signs in from the one-time code in the fragment.
    path: 'sso',
    title: 'auth.sso.signingIn',
    loadComponent: () => import('./auth/sso.page').then((m) => m.SsoPage),
  },
  {
    path: 'register',
    canMatch: [guestGuard],
    title: 'auth.register.title',
    loadComponent: () =>
      import('./auth/register.page').then((m) => m.RegisterPage),
  },
  {
    path: '',
    canMatch: [authGuard],
    loadComponent: () => import('./shell/shell').then((m) => m.Shell),
    children: [
      { path: '', pathMatch: 'full', redirectTo: 'chats' },
      {
        path: 'chats',
        loadChildren: () =>
          import('./chat/chat.routes').then((m) => m.CHAT_ROUTES),
      },
      {
        path: 'usage',
        title: 'usage.title',
        loadComponent: () =>
          import('./usage/usage.page').then((m) => m.MyUsagePage),
      },
      {
        path: 'account',
        title: 'account.title',
        loadComponent: () =>
          import('./account/account.page').then((m) => m.AccountPage),
      },
      {
        path: 'account/api-keys',
        title: 'apiKeys.title',
        loadComponent: () =>
          import('./account/api-keys/api-keys.page').then((m) => m.ApiKeysPage),
      },
      {
        path: 'admin',
        canMatch: [adminGuard],
        loadChildren: () =>
          import('./admin/admin.routes').then((m) => m.ADMIN_ROUTES),
      },
    ],
  },
  { path: '**', redirectTo: '' },
];
