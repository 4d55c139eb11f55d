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
import { TranslatePipe } from '@ngx-translate/core';
import type { AdminLimit, AdminUser } from '@tally/api-contract';
import { LoadStatus } from '../../shared/load-status';
import { loadOnChange } from '../../shared/table/table-paging';
import { LimitsApi } from '../data-access/limits-api.service';
import { LimitDialog, LimitDialogData } from '../limits/limit-dialog';
import { LimitTable } from '../limits/limit-table';
import { userLabel } from '../limits/subject-search';
import { UserGrants } from './user-grants';

/** A user's groups, own limits (add, change, delete) and grants, in the user dialog. */
@Component({
  selector: 'app-user-limits',
  imports: [MatButtonModule, TranslatePipe, LoadStatus, LimitTable, UserGrants],
  template: `
    <p class="groups" data-testid="user-groups">
      @if (groupNames(); as names) {
        {{ 'admin.users.limits.groups' | translate: { names } }}
      } @else {
        {{ 'admin.users.limits.noGroups' | translate }}
      }
    </p>
    <div class="head">
      <h3>{{ 'admin.users.limits.own' | translate }}</h3>
      <button
        mat-stroked-button
        type="button"
        (click)="add()"
        data-testid="add-user-limit"
      >
        {{ 'admin.users.limits.add' | translate }}
      </button>
    </div>
    <app-load-status [error]="limits.error()" />
    <app-limit-table
      [limits]="limits.result() ?? []"
      [loading]="limits.loading()"
      none="admin.users.limits.none"
      (changed)="reload()"
    />
    <app-user-grants [user]="user()" />
  `,
  styles: `
    :host {
      display: block;
    }
    .head {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      justify-content: space-between;
      gap: 8px;
      margin: 8px 0;
    }
    h3 {
      margin: 0;
      font-size: 1rem;
    }
    .groups {
      margin: 0 0 8px;
      overflow-wrap: anywhere;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class UserLimits {
  readonly user = input.required<AdminUser>();

  private readonly api = inject(LimitsApi);
  private readonly dialog = inject(MatDialog);
  private readonly reloads = signal(0);

  protected readonly groupNames = computed(() =>
    (this.user().groups ?? []).map((g) => g.name).join(', '),
  );
  protected readonly limits = loadOnChange(
    computed(() => ({ id: this.user().id, reload: this.reloads() })),
    ({ id }) => this.api.limits({ subject: 'user', subject_id: id }),
  );

  protected reload(): void {
    this.reloads.update((n) => n + 1);
  }

  protected add(): void {
    const user = this.user();
    this.dialog
      .open<LimitDialog, LimitDialogData, AdminLimit>(LimitDialog, {
        data: {
          subject: { subject: 'user', id: user.id, name: userLabel(user) },
        },
        autoFocus: 'first-tabbable',
      })
      .afterClosed()
      .subscribe((saved) => saved && this.reload());
  }
}
