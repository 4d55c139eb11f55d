import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  signal,
} from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { MatTableModule } from '@angular/material/table';
import { TranslatePipe } from '@ngx-translate/core';
import { catchError, of } from 'rxjs';
import { LocalDateTimePipe, LocalNumberPipe } from '../../core/i18n/format';
import type { PickerOption } from '../../shared/forms/search-picker';
import { SearchPicker } from '../../shared/forms/search-picker';
import { CostPipe } from '../../shared/money';
import { DataTable } from '../../shared/table/data-table';
import { TablePaging, loadOnChange } from '../../shared/table/table-paging';
import { CatalogApi } from '../data-access/catalog-api.service';
import { RequestsApi } from '../data-access/requests-api.service';
import { subjectSearch } from '../limits/subject-search';
import { refusalReason } from '../../core/http/refusal-reason';
import { ShownNamePipe } from '../../shared/built-in-names';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The request log of the OpenAI-compatible endpoint, newest first, filtered by user, key and model. */
@Component({
  selector: 'app-requests-page',
  imports: [
    ShownNamePipe,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    MatTableModule,
    TranslatePipe,
    LocalDateTimePipe,
    LocalNumberPipe,
    CostPipe,
    SearchPicker,
    DataTable,
  ],
  templateUrl: './requests.page.html',
  styleUrls: ['../admin-page.css', './requests.page.css'],
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RequestsPage {
  private readonly api = inject(RequestsApi);
  protected readonly search = subjectSearch();
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
  /** A refusal's or failure's code in words. */
  protected readonly reasonOf = refusalReason;
  protected readonly user = signal<PickerOption | null>(null);
  protected readonly keyText = signal('');
  protected readonly model = signal('');
  /** Bumped to clear the user picker. */
  protected readonly pickerRound = signal(0);

  /** The key filter once it is a whole id; null while typing. */
  protected readonly keyId = computed(() => {
    const text = this.keyText().trim();
    return UUID.test(text) ? text : null;
  });
  protected readonly keyInvalid = computed(
    () => this.keyText().trim() !== '' && this.keyId() === null,
  );

  protected readonly requests = loadOnChange(
    computed(() => ({
      user_id: this.user()?.id,
      api_key_id: this.keyId() ?? undefined,
      model: this.model() || undefined,
      page: this.paging.page(),
      page_size: this.paging.pageSize(),
    })),
    (query) => this.api.requests(query),
  );

  protected pickUser(option: PickerOption): void {
    this.user.set(option);
    this.paging.page.set(1);
  }

  protected setKey(text: string): void {
    this.keyText.set(text);
    this.paging.page.set(1);
  }

  protected setModel(model: string): void {
    this.model.set(model);
    this.paging.page.set(1);
  }

  protected clear(): void {
    this.user.set(null);
    this.keyText.set('');
    this.model.set('');
    this.pickerRound.update((n) => n + 1);
    this.paging.page.set(1);
  }
}
