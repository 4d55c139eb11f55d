import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  signal,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatSelectModule } from '@angular/material/select';
import { TranslatePipe } from '@ngx-translate/core';
import type { AdminLimit, LimitSubject } from '@tally/api-contract';
import { LIMIT_SUBJECTS } from '@tally/api-contract';
import { LoadStatus } from '../../shared/load-status';
import { loadOnChange } from '../../shared/table/table-paging';
import { LimitsApi } from '../data-access/limits-api.service';
import { LimitDialog, LimitDialogData } from './limit-dialog';
import { LimitTable } from './limit-table';

/** Every limit of every subject, filtered by subject; add, change an amount, delete. */
@Component({
  selector: 'app-limits-page',
  imports: [
    MatButtonModule,
    MatFormFieldModule,
    MatSelectModule,
    TranslatePipe,
    LoadStatus,
    LimitTable,
  ],
  templateUrl: './limits.page.html',
  styleUrl: '../admin-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LimitsPage {
  private readonly api = inject(LimitsApi);
  private readonly dialog = inject(MatDialog);

  protected readonly subjects = LIMIT_SUBJECTS;
  /** '' shows every subject. */
  protected readonly subject = signal<LimitSubject | ''>('');
  private readonly reloads = signal(0);
  protected readonly limits = loadOnChange(
    computed(() => ({ subject: this.subject(), reload: this.reloads() })),
    ({ subject }) => this.api.limits(subject ? { subject } : {}),
  );

  protected filter(subject: LimitSubject | ''): void {
    this.subject.set(subject);
  }

  protected reload(): void {
    this.reloads.update((n) => n + 1);
  }

  protected create(): void {
    this.dialog
      .open<LimitDialog, LimitDialogData, AdminLimit>(LimitDialog, {
        data: {},
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
