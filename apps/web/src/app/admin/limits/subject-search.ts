import { inject } from '@angular/core';
import type { AdminUser, User } from '@tally/api-contract';
import { Observable, map } from 'rxjs';
import type { PickerOption } from '../../shared/forms/search-picker';
import { AdminApi } from '../data-access/admin-api.service';
import { GroupsApi } from '../data-access/groups-api.service';

/** How many matches a picker offers. */
const OFFERED = 20;

/** "Ann (ann@x)", or the address alone for a user without a name. */
export function userLabel(user: Pick<User, 'name' | 'email'>): string {
  return user.name ? `${user.name} (${user.email})` : user.email;
}

export function userOption(user: AdminUser | User): PickerOption {
  return { id: user.id, label: userLabel(user) };
}

/** Searches for the pickers of users and groups; call in an injection context. */
export function subjectSearch() {
  const admin = inject(AdminApi);
  const groups = inject(GroupsApi);
  return {
    users: (search: string): Observable<PickerOption[]> =>
      admin
        .users({ search, page: 1, page_size: OFFERED })
        .pipe(map((page) => page.items.map(userOption))),
    groups: (search: string): Observable<PickerOption[]> =>
      groups
        .groups({ search, page: 1, page_size: OFFERED })
        .pipe(
          map((page) => page.items.map((g) => ({ id: g.id, label: g.name }))),
        ),
  };
}
