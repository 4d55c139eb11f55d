import { provideEnvironmentInitializer } from '@angular/core';
import { provideNativeDateAdapter } from '@angular/material/core';
import { MatDatepickerIntl } from '@angular/material/datepicker';
import { MatPaginatorIntl } from '@angular/material/paginator';
import { Routes } from '@angular/router';
import {
  TranslatedDatepickerIntl,
  TranslatedPaginatorIntl,
  syncDateAdapterLocale,
} from './material-intl';

/** The admin area. Loaded only through the `canMatch` admin guard in app.routes.ts. */
export const ADMIN_ROUTES: Routes = [
  {
    path: '',
    providers: [
      provideNativeDateAdapter(),
      { provide: MatPaginatorIntl, useClass: TranslatedPaginatorIntl },
      { provide: MatDatepickerIntl, useClass: TranslatedDatepickerIntl },
      provideEnvironmentInitializer(syncDateAdapterLocale),
    ],
    children: [
      { path: '', pathMatch: 'full', redirectTo: 'users' },
      {
        path: 'users',
        title: 'admin.users.title',
        loadComponent: () =>
          import('./users/users.page').then((m) => m.UsersPage),
      },
      {
        path: 'groups',
        title: 'admin.groups.title',
        loadComponent: () =>
          import('./groups/groups.page').then((m) => m.GroupsPage),
      },
      {
        path: 'groups/:id',
        title: 'admin.groups.detailTitle',
        loadComponent: () =>
          import('./groups/group.page').then((m) => m.GroupPage),
      },
      {
        path: 'limits',
        title: 'admin.limits.title',
        loadComponent: () =>
          import('./limits/limits.page').then((m) => m.LimitsPage),
      },
      {
        path: 'settings',
        title: 'admin.settings.title',
        loadComponent: () =>
          import('./settings/settings.page').then((m) => m.SettingsPage),
      },
      {
        path: 'connections',
        title: 'admin.connections.title',
        loadComponent: () =>
          import('./connections/connections.page').then(
            (m) => m.ConnectionsPage,
          ),
      },
      {
        path: 'models',
        title: 'admin.models.title',
        loadComponent: () =>
          import('./models/models.page').then((m) => m.ModelsPage),
      },
      {
        path: 'requests',
        title: 'admin.requests.title',
        loadComponent: () =>
          import('./requests/requests.page').then((m) => m.RequestsPage),
      },
      {
        path: 'usage',
        title: 'admin.usage.title',
        loadComponent: () =>
          import('./usage/usage.page').then((m) => m.UsagePage),
      },
    ],
  },
];
