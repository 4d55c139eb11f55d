import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  signal,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatTableModule } from '@angular/material/table';
import { TranslatePipe } from '@ngx-translate/core';
import type { AdminUser, Settings } from '@tally/api-contract';
import { LocalNumberPipe } from '../../core/i18n/format';
import { DataTable } from '../../shared/table/data-table';
import { TableSearch } from '../../shared/table/table-controls';
import { TablePaging, loadOnChange } from '../../shared/table/table-paging';
import { AdminApi } from '../data-access/admin-api.service';
import { UserDialog, UserDialogData } from './user-dialog';

@Component({
  selector: 'app-users-page',
  imports: [
    MatTableModule,
    MatButtonModule,
    TranslatePipe,
    LocalNumberPipe,
    TableSearch,
    DataTable,
  ],
  templateUrl: './users.page.html',
  styleUrl: '../admin-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class UsersPage {
  private readonly api = inject(AdminApi);
  private readonly dialog = inject(MatDialog);

  protected readonly columns = [
    'email',
    'name',
    'role',
    'active',
    'groups',
    'messages',
    'tokens',
    'actions',
  ];
  protected readonly paging = new TablePaging();
  /** Bumped after a save, to load the page again. */
  private readonly reloads = signal(0);
  protected readonly users = loadOnChange(
    computed(() => ({
      search: this.paging.search(),
      page: this.paging.page(),
      page_size: this.paging.pageSize(),
      reload: this.reloads(),
    })),
    ({ search, page, page_size }) =>
      this.api.users({ search, page, page_size }),
  );
  protected readonly settings = signal<Settings | null>(null);

  protected groupNames(user: AdminUser): string {
    return (user.groups ?? []).map((g) => g.name).join(', ');
  }

  constructor() {
    this.api
      .settings()
      .subscribe({ next: (s) => this.settings.set(s), error: () => undefined });
  }

  protected create(): void {
    this.open({ settings: this.settings() });
  }

  protected edit(user: AdminUser): void {
    this.open({ user, settings: this.settings() });
  }

  private open(data: UserDialogData): void {
    this.dialog
      .open<UserDialog, UserDialogData, AdminUser>(UserDialog, {
        data,
        autoFocus: 'first-tabbable',
      })
      .afterClosed()
      .subscribe((saved) => {
        if (saved) {
          this.reloads.update((n) => n + 1);
        }
      });
  }
}
