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
import { RouterLink } from '@angular/router';
import { TranslatePipe } from '@ngx-translate/core';
import type { Group } from '@tally/api-contract';
import { errorMessageKey } from '../../core/http/api-error';
import { LocalNumberPipe } from '../../core/i18n/format';
import { confirmAction } from '../../shared/confirm-dialog';
import { DataTable } from '../../shared/table/data-table';
import { RowActions } from '../../shared/table/row-actions';
import { TableSearch } from '../../shared/table/table-controls';
import { TablePaging, loadOnChange } from '../../shared/table/table-paging';
import { GroupsApi } from '../data-access/groups-api.service';
import { GroupDialog, GroupDialogData } from './group-dialog';

/** The groups: search, pages, create, rename, delete; each links to its members and limits. */
@Component({
  selector: 'app-groups-page',
  imports: [
    MatTableModule,
    MatButtonModule,
    RouterLink,
    TranslatePipe,
    LocalNumberPipe,
    TableSearch,
    DataTable,
    RowActions,
  ],
  templateUrl: './groups.page.html',
  styleUrl: '../admin-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class GroupsPage {
  private readonly api = inject(GroupsApi);
  private readonly dialog = inject(MatDialog);

  protected readonly columns = ['name', 'description', 'members', 'actions'];
  protected readonly paging = new TablePaging();
  private readonly reloads = signal(0);
  protected readonly groups = loadOnChange(
    computed(() => ({
      search: this.paging.search(),
      page: this.paging.page(),
      page_size: this.paging.pageSize(),
      reload: this.reloads(),
    })),
    ({ search, page, page_size }) =>
      this.api.groups({ search, page, page_size }),
  );

  protected create(): void {
    this.open({});
  }

  protected edit(group: Group): void {
    this.open({ group });
  }

  protected remove(group: Group): void {
    confirmAction(this.dialog, {
      title: 'admin.groups.deleteTitle',
      message: 'admin.groups.deleteConfirm',
      params: { name: group.name },
    }).subscribe((confirmed) => {
      if (confirmed) {
        this.api.delete(group.id).subscribe({
          next: () => this.reload(),
          error: (err: unknown) => this.groups.error.set(errorMessageKey(err)),
        });
      }
    });
  }

  private reload(): void {
    this.reloads.update((n) => n + 1);
  }

  private open(data: GroupDialogData): void {
    this.dialog
      .open<GroupDialog, GroupDialogData, Group>(GroupDialog, {
        data,
        autoFocus: 'first-tabbable',
      })
      .afterClosed()
      .subscribe((saved) => {
        if (saved) {
          this.reload();
        }
      });
  }
}
