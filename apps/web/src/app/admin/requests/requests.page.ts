import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  signal,
} from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { MatTableModule } from '@angular/material/table';
import { TranslatePipe } from '@ngx-translate/core';
import type { GatewayRequest } from '@tally/api-contract';
import { catchError, of } from 'rxjs';
import { LocalDateTimePipe, LocalNumberPipe } from '../../core/i18n/format';
import { PluralPipe } from '../../core/i18n/plural';
import type { PickerOption } from '../../shared/forms/search-picker';
import { SearchPicker } from '../../shared/forms/search-picker';
import { CostPipe } from '../../shared/money';
import { DataTable } from '../../shared/table/data-table';
import { TableSearch } from '../../shared/table/table-controls';
import { TablePaging, loadOnChange } from '../../shared/table/table-paging';
import { CatalogApi } from '../data-access/catalog-api.service';
import { RequestsApi } from '../data-access/requests-api.service';
import { subjectSearch, userLabel } from '../limits/subject-search';
import { RequestDialog } from './request-dialog';
import { reasonKey } from './request-reason';

/** A user or key the log is narrowed to, with the name it is shown by. */
interface Chosen {
  id: string;
  label: string;
}

/**
 * The request log of the OpenAI-compatible endpoint, newest first: who made
 * each request (by name and e-mail, keys by name), how it ended and why.
 * Narrowed by a search (e-mail, name or key name), by a user or key picked
 * from a row or the picker, and by model. A refused row may stand for
 * several refusals of one minute (its `count`), said beside its status.
 * A row's time opens everything about it.
 */
@Component({
  selector: 'app-requests-page',
  imports: [
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    MatTableModule,
    TranslatePipe,
    LocalDateTimePipe,
    LocalNumberPipe,
    PluralPipe,
    CostPipe,
    SearchPicker,
    DataTable,
    TableSearch,
  ],
  templateUrl: './requests.page.html',
  styleUrls: ['../admin-page.css', './requests.page.css'],
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RequestsPage {
  private readonly api = inject(RequestsApi);
  private readonly dialog = inject(MatDialog);
  protected readonly reasonKey = reasonKey;
  protected readonly userSearch = subjectSearch();
  protected readonly models = toSignal(
    inject(CatalogApi)
      .models()
      .pipe(catchError(() => of([]))),
    { initialValue: [] },
  );

  protected readonly columns = [
    'started',
    'user',
    'key',
    'model',
    'status',
    'tokens',
    'cost',
    'duration',
  ];
  protected readonly paging = new TablePaging();
  protected readonly user = signal<Chosen | null>(null);
  protected readonly key = signal<Chosen | null>(null);
  protected readonly model = signal('');
  /** Bumped to empty the user picker and the search box. */
  protected readonly round = signal(0);

  protected readonly requests = loadOnChange(
    computed(() => ({
      user_id: this.user()?.id,
      api_key_id: this.key()?.id,
      model: this.model() || undefined,
      // The API takes at most 254 characters; longer finds nothing anyway.
      search: this.paging.search().slice(0, 254) || undefined,
      page: this.paging.page(),
      page_size: this.paging.pageSize(),
    })),
    (query) => this.api.requests(query),
  );

  protected userName(r: GatewayRequest): string {
    return r.user_name || r.user_email;
  }

  protected pickUser(option: PickerOption): void {
    this.filterUser({ id: option.id, label: option.label });
    // The chip says who is picked; the picker is free for the next one.
    this.round.update((n) => n + 1);
  }

  protected filterByUser(r: GatewayRequest): void {
    this.filterUser({
      id: r.user_id,
      label: userLabel({ name: r.user_name, email: r.user_email }),
    });
  }

  protected filterByKey(r: GatewayRequest): void {
    if (!r.api_key_id) return;
    this.key.set({ id: r.api_key_id, label: r.api_key_name ?? '' });
    this.paging.page.set(1);
  }

  protected clearUser(): void {
    this.filterUser(null);
  }

  protected clearKey(): void {
    this.key.set(null);
    this.paging.page.set(1);
  }

  protected setModel(model: string): void {
    this.model.set(model);
    this.paging.page.set(1);
  }

  protected open(r: GatewayRequest): void {
    this.dialog.open(RequestDialog, {
      data: r,
      maxWidth: '95vw',
    });
  }

  protected clear(): void {
    this.user.set(null);
    this.key.set(null);
    this.model.set('');
    this.paging.searchFor('');
    this.paging.search.set('');
    this.round.update((n) => n + 1);
    this.paging.page.set(1);
  }

  private filterUser(user: Chosen | null): void {
    this.user.set(user);
    this.paging.page.set(1);
  }
}
