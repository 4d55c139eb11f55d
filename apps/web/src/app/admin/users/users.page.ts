import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  signal,
} from '@angular/core';
import { takeUntilDestroyed, toObservable } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatPaginatorModule, PageEvent } from '@angular/material/paginator';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTableModule } from '@angular/material/table';
import { TranslatePipe } from '@ngx-translate/core';
import type { AdminUser, AdminUserList, Settings } from '@tally/api-contract';
import {
  Subject,
  catchError,
  debounceTime,
  distinctUntilChanged,
  of,
  switchMap,
  tap,
} from 'rxjs';
import { errorMessageKey } from '../../core/http/api-error';
import { LocalNumberPipe } from '../../core/i18n/format';
import { PluralPipe } from '../../core/i18n/plural';
import { AdminApi } from '../data-access/admin-api.service';
import { UserDialog, UserDialogData } from './user-dialog';

@Component({
  selector: 'app-users-page',
  imports: [
    MatTableModule,
    MatPaginatorModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    TranslatePipe,
    LocalNumberPipe,
    PluralPipe,
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
    'messages',
    'tokens',
    'actions',
  ];
  protected readonly pageSizes = [10, 20, 50, 100];
  protected readonly search = signal('');
  protected readonly page = signal(1);
  protected readonly pageSize = signal(20);
  private readonly reloads = signal(0);
  protected readonly loading = signal(true);
  protected readonly error = signal<string | null>(null);
  protected readonly result = signal<AdminUserList | null>(null);
  protected readonly settings = signal<Settings | null>(null);
  private readonly searchInput = new Subject<string>();
  /** Rows stay put across reloads, so focus returns to the Edit button a dialog was opened from. */
  protected readonly trackById = (_: number, user: AdminUser) => user.id;

  private readonly query = computed(() => ({
    search: this.search(),
    page: this.page(),
    page_size: this.pageSize(),
    reload: this.reloads(),
  }));

  constructor() {
    this.searchInput
      .pipe(debounceTime(300), distinctUntilChanged(), takeUntilDestroyed())
      .subscribe((text) => {
        this.search.set(text.trim());
        this.page.set(1);
      });
    toObservable(this.query)
      .pipe(
        tap(() => this.loading.set(true)),
        switchMap(({ search, page, page_size }) =>
          this.api.users({ search, page, page_size }).pipe(
            catchError((err: unknown) => {
              this.error.set(errorMessageKey(err));
              return of(null);
            }),
          ),
        ),
        takeUntilDestroyed(),
      )
      .subscribe((result) => {
        this.loading.set(false);
        if (result) {
          this.error.set(null);
          this.result.set(result);
        }
      });
    this.api
      .settings()
      .subscribe({ next: (s) => this.settings.set(s), error: () => undefined });
  }

  protected onSearch(event: Event): void {
    this.searchInput.next((event.target as HTMLInputElement).value);
  }

  protected onPage(event: PageEvent): void {
    this.pageSize.set(event.pageSize);
    this.page.set(event.pageIndex + 1);
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
