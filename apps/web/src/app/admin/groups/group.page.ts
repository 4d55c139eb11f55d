import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  input,
  signal,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { Router, RouterLink } from '@angular/router';
import { TranslatePipe } from '@ngx-translate/core';
import type { AdminLimit, Group } from '@tally/api-contract';
import { errorMessageKey } from '../../core/http/api-error';
import { confirmAction } from '../../shared/confirm-dialog';
import { LoadStatus } from '../../shared/load-status';
import { loadOnChange } from '../../shared/table/table-paging';
import { GroupsApi } from '../data-access/groups-api.service';
import { LimitsApi } from '../data-access/limits-api.service';
import { LimitDialog, LimitDialogData } from '../limits/limit-dialog';
import { LimitTable } from '../limits/limit-table';
import { GroupDialog, GroupDialogData } from './group-dialog';
import { GroupMembers } from './group-members';

/** One group: its name and description, its members, its limits. */
@Component({
  selector: 'app-group-page',
  imports: [
    MatButtonModule,
    RouterLink,
    TranslatePipe,
    LoadStatus,
    GroupMembers,
    LimitTable,
  ],
  templateUrl: './group.page.html',
  styleUrls: ['../admin-page.css', './group.page.css'],
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class GroupPage {
  /** From the route (`admin/groups/:id`). */
  readonly id = input.required<string>();

  private readonly groups = inject(GroupsApi);
  private readonly limitsApi = inject(LimitsApi);
  private readonly dialog = inject(MatDialog);
  private readonly router = inject(Router);

  private readonly reloads = signal(0);
  private readonly limitReloads = signal(0);
  protected readonly group = loadOnChange(
    computed(() => ({ id: this.id(), reload: this.reloads() })),
    ({ id }) => this.groups.group(id),
  );
  protected readonly limits = loadOnChange(
    computed(() => ({ id: this.id(), reload: this.limitReloads() })),
    ({ id }) => this.limitsApi.limits({ subject: 'group', subject_id: id }),
  );

  protected reloadGroup(): void {
    this.reloads.update((n) => n + 1);
  }

  protected reloadLimits(): void {
    this.limitReloads.update((n) => n + 1);
  }

  protected edit(group: Group): void {
    this.dialog
      .open<GroupDialog, GroupDialogData, Group>(GroupDialog, {
        data: { group },
        autoFocus: 'first-tabbable',
      })
      .afterClosed()
      .subscribe((saved) => saved && this.reloadGroup());
  }

  protected remove(group: Group): void {
    confirmAction(this.dialog, {
      title: 'admin.groups.deleteTitle',
      message: 'admin.groups.deleteConfirm',
      params: { name: group.name },
    }).subscribe((confirmed) => {
      if (confirmed) {
        this.groups.delete(group.id).subscribe({
          next: () => void this.router.navigate(['/admin/groups']),
          error: (err: unknown) => this.group.error.set(errorMessageKey(err)),
        });
      }
    });
  }

  protected addLimit(group: Group): void {
    this.dialog
      .open<LimitDialog, LimitDialogData, AdminLimit>(LimitDialog, {
        data: { subject: { subject: 'group', id: group.id, name: group.name } },
        autoFocus: 'first-tabbable',
      })
      .afterClosed()
      .subscribe((saved) => saved && this.reloadLimits());
  }
}
