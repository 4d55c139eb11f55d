import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  input,
  output,
  signal,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatTableModule } from '@angular/material/table';
import { TranslatePipe } from '@ngx-translate/core';
import type { User } from '@tally/api-contract';
import { errorMessageKey } from '../../core/http/api-error';
import { PickerOption, SearchPicker } from '../../shared/forms/search-picker';
import { DataTable } from '../../shared/table/data-table';
import { TablePaging, loadOnChange } from '../../shared/table/table-paging';
import { GroupsApi } from '../data-access/groups-api.service';
import { subjectSearch } from '../limits/subject-search';

/** A group's members, paged: add one found by name or e-mail, remove one. */
@Component({
  selector: 'app-group-members',
  imports: [
    MatTableModule,
    MatButtonModule,
    TranslatePipe,
    SearchPicker,
    DataTable,
  ],
  template: `
    <div class="filters">
      <app-search-picker
        label="admin.groups.members.add"
        [search]="search.users"
        [clearOnPick]="true"
        (picked)="add($event)"
        testId="member-picker"
      />
    </div>
    <app-data-table
      [rows]="members.result()?.items ?? []"
      [columns]="columns"
      [loading]="members.loading()"
      none="admin.groups.members.none"
      testId="members-table"
      [status]="true"
      [error]="members.error()"
      count="admin.groups.members.count"
      countTestId="members-count"
      [total]="members.result()?.total ?? null"
      [paging]="paging"
    >
      <ng-container matColumnDef="email">
        <th mat-header-cell *matHeaderCellDef>
          {{ 'admin.users.columns.email' | translate }}
        </th>
        <td mat-cell *matCellDef="let u">{{ u.email }}</td>
      </ng-container>
      <ng-container matColumnDef="name">
        <th mat-header-cell *matHeaderCellDef>
          {{ 'admin.users.columns.name' | translate }}
        </th>
        <td mat-cell *matCellDef="let u">{{ u.name }}</td>
      </ng-container>
      <ng-container matColumnDef="actions">
        <th mat-header-cell *matHeaderCellDef>
          <span class="visually-hidden">{{
            'admin.users.columns.actions' | translate
          }}</span>
        </th>
        <td mat-cell *matCellDef="let u" class="actions">
          <button
            mat-button
            type="button"
            (click)="remove(u)"
            [disabled]="busy()"
            [attr.aria-label]="
              'admin.groups.members.removeLabel' | translate: { email: u.email }
            "
            data-testid="remove-member"
          >
            {{ 'admin.groups.members.remove' | translate }}
          </button>
        </td>
      </ng-container>
      <tr
        mat-row
        *matRowDef="let u; columns: columns"
        [attr.data-email]="u.email"
      ></tr>
    </app-data-table>
  `,
  styleUrls: ['../admin-page.css', './group-members.css'],
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class GroupMembers {
  readonly groupId = input.required<string>();
  /** Someone joined or left (the member count changed). */
  readonly changed = output<void>();

  private readonly api = inject(GroupsApi);
  protected readonly search = subjectSearch();
  protected readonly columns = ['email', 'name', 'actions'];
  protected readonly paging = new TablePaging();
  protected readonly busy = signal(false);
  private readonly reloads = signal(0);
  protected readonly members = loadOnChange(
    computed(() => ({
      id: this.groupId(),
      page: this.paging.page(),
      page_size: this.paging.pageSize(),
      reload: this.reloads(),
    })),
    ({ id, page, page_size }) => this.api.members(id, { page, page_size }),
  );

  protected add(option: PickerOption): void {
    this.run(this.api.addMember(this.groupId(), option.id));
  }

  protected remove(user: User): void {
    this.run(this.api.removeMember(this.groupId(), user.id));
  }

  private run(request: ReturnType<GroupsApi['addMember']>): void {
    this.busy.set(true);
    request.subscribe({
      next: () => {
        this.busy.set(false);
        this.reloads.update((n) => n + 1);
        this.changed.emit();
      },
      error: (err: unknown) => {
        this.busy.set(false);
        this.members.error.set(errorMessageKey(err));
      },
    });
  }
}
