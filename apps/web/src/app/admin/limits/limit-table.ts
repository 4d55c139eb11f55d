import {
  ChangeDetectionStrategy,
  Component,
  inject,
  input,
  output,
  signal,
} from '@angular/core';
import { MatDialog } from '@angular/material/dialog';
import { MatTableModule } from '@angular/material/table';
import { TranslatePipe, TranslateService } from '@ngx-translate/core';
import type { AdminLimit } from '@tally/api-contract';
import { errorMessageKey } from '../../core/http/api-error';
import { LocalDateTimePipe, formatShortDate } from '../../core/i18n/format';
import { LanguageService } from '../../core/i18n/language.service';
import { confirmAction } from '../../shared/confirm-dialog';
import { DataTable } from '../../shared/table/data-table';
import { RowActions } from '../../shared/table/row-actions';
import {
  LimitSentencePipe,
  limitSentence,
  usedOfText,
} from '../../shared/limits/limit-words';
import { LimitsApi } from '../data-access/limits-api.service';
import { LimitDialog, LimitDialogData } from './limit-dialog';

/**
 * Limits as sentences ("each member of Research: 50 messages a day"), a
 * pool's use in the window now, and Edit (the amount) and Delete; tells
 * `changed` after either.
 */
@Component({
  selector: 'app-limit-table',
  imports: [
    MatTableModule,
    TranslatePipe,
    LocalDateTimePipe,
    LimitSentencePipe,
    DataTable,
    RowActions,
  ],
  templateUrl: './limit-table.html',
  styleUrls: ['../admin-page.css', './limit-table.css'],
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LimitTable {
  readonly limits = input.required<AdminLimit[]>();
  readonly loading = input(false);
  /** Translation key of the empty table's line. */
  readonly none = input('admin.limits.none');
  readonly changed = output<void>();

  private readonly api = inject(LimitsApi);
  private readonly dialog = inject(MatDialog);
  private readonly translate = inject(TranslateService);
  private readonly language = inject(LanguageService);

  protected readonly columns = ['limit', 'use', 'actions'];
  /** What the last action said (a refused delete), as a translation key. */
  protected readonly notice = signal<string | null>(null);
  protected readonly busy = signal<ReadonlySet<string>>(new Set());

  /** "$41.25 of $200" for a pool; nothing for a personal limit (each user has their own use). */
  protected use(limit: AdminLimit): string {
    if (!limit.shared || limit.used === undefined) {
      return '';
    }
    return usedOfText(
      this.translate,
      this.language.lang(),
      limit.metric,
      limit.used,
      limit.amount,
    );
  }

  /**
   * "counting since 14 Dec" for a pool made inside its window now (its use
   * starts at 0 then, not at the window's start); nothing otherwise.
   */
  protected countingSince(limit: AdminLimit): string {
    const since = limit.counting_since;
    if (
      !limit.shared ||
      !since ||
      Date.parse(since) !== Date.parse(limit.created_at)
    ) {
      return '';
    }
    return this.translate.instant('admin.limits.countingSince', {
      date: formatShortDate(this.language.lang(), since),
    });
  }

  protected edit(limit: AdminLimit): void {
    this.notice.set(null);
    this.dialog
      .open<LimitDialog, LimitDialogData, AdminLimit>(LimitDialog, {
        data: { limit },
        autoFocus: 'first-tabbable',
      })
      .afterClosed()
      .subscribe((saved) => {
        if (saved) {
          this.changed.emit();
        }
      });
  }

  protected remove(limit: AdminLimit): void {
    this.notice.set(null);
    confirmAction(this.dialog, {
      title: 'admin.limits.deleteTitle',
      message: 'admin.limits.deleteConfirm',
      params: {
        limit: limitSentence(this.translate, this.language.lang(), limit),
      },
    }).subscribe((confirmed) => {
      if (!confirmed) {
        return;
      }
      this.busy.update((ids) => new Set([...ids, limit.id]));
      this.api.delete(limit.id).subscribe({
        next: () => {
          this.done(limit);
          this.changed.emit();
        },
        error: (err: unknown) => {
          this.done(limit);
          this.notice.set(errorMessageKey(err));
        },
      });
    });
  }

  private done(limit: AdminLimit): void {
    this.busy.update(
      (ids) => new Set([...ids].filter((id) => id !== limit.id)),
    );
  }
}
