import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  signal,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import {
  MatCheckboxChange,
  MatCheckboxModule,
} from '@angular/material/checkbox';
import { MatTableModule } from '@angular/material/table';
import { TranslatePipe, TranslateService } from '@ngx-translate/core';
import type { Connection, Model } from '@tally/api-contract';
import { forkJoin } from 'rxjs';
import { errorMessageKey } from '../../core/http/api-error';
import { LocalNumberPipe } from '../../core/i18n/format';
import { LanguageService } from '../../core/i18n/language.service';
import { confirmAction } from '../../shared/confirm-dialog';
import { PricePipe } from '../../shared/money';
import { DataTable } from '../../shared/table/data-table';
import { RowActions } from '../../shared/table/row-actions';
import { AdminApi } from '../data-access/admin-api.service';
import { CatalogApi } from '../data-access/catalog-api.service';
import { ModelDialog, ModelDialogData } from './model-dialog';
import { ShownNamePipe, shownName } from '../../shared/built-in-names';

/** The model catalog: every model (disabled ones too), its prices and caps, which one is the default. */
@Component({
  selector: 'app-models-page',
  imports: [
    ShownNamePipe,
    MatTableModule,
    MatButtonModule,
    MatCheckboxModule,
    TranslatePipe,
    LocalNumberPipe,
    PricePipe,
    DataTable,
    RowActions,
  ],
  templateUrl: './models.page.html',
  styleUrls: ['../admin-page.css', './models.page.css'],
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ModelsPage {
  private readonly catalog = inject(CatalogApi);
  private readonly admin = inject(AdminApi);
  private readonly dialog = inject(MatDialog);
  private readonly translate = inject(TranslateService);
  private readonly language = inject(LanguageService);

  protected readonly columns = [
    'name',
    'connection',
    'price',
    'caps',
    'enabled',
    'actions',
  ];
  protected readonly loading = signal(true);
  protected readonly loadError = signal<string | null>(null);
  protected readonly models = signal<Model[]>([]);
  private readonly connections = signal<Connection[]>([]);
  protected readonly defaultModel = signal<string | null>(null);
  /** What the last action said, as a translation key (a refused delete, a failed toggle). */
  protected readonly notice = signal<string | null>(null);
  /** Ids of the models with a change on its way. */
  protected readonly busy = signal<ReadonlySet<string>>(new Set());
  protected readonly connectionName = computed(() => {
    this.language.lang();
    const names = new Map(
      this.connections().map((c) => [c.id, shownName(this.translate, c)]),
    );
    return (id: string) => names.get(id) ?? id;
  });

  constructor() {
    this.reload();
  }

  protected create(): void {
    this.open({ connections: this.connections() });
  }

  protected edit(model: Model): void {
    this.open({ model, connections: this.connections() });
  }

  protected setEnabled(model: Model, event: MatCheckboxChange): void {
    const enabled = event.checked;
    const run = () =>
      this.catalog.updateModel(model.id, { enabled }).subscribe({
        next: (saved) => {
          this.done(model);
          this.models.update((list) =>
            list.map((m) => (m.id === saved.id ? saved : m)),
          );
        },
        error: (err: unknown) => {
          // Refused: the box goes back to what the server has.
          event.source.checked = model.enabled;
          this.failed(model, err);
        },
      });
    if (!this.change(model, run)) {
      event.source.checked = model.enabled;
    }
  }

  /** Makes this model the setting `default_model` (new chats and chats whose model went away use it). */
  protected makeDefault(model: Model): void {
    this.change(model, () =>
      this.admin.updateSettings({ default_model: model.id }).subscribe({
        next: (settings) => {
          this.done(model);
          this.defaultModel.set(settings.default_model ?? null);
        },
        error: (err: unknown) => this.failed(model, err),
      }),
    );
  }

  protected remove(model: Model): void {
    confirmAction(this.dialog, {
      title: 'admin.models.deleteTitle',
      message: 'admin.models.deleteConfirm',
      params: { name: model.name },
    }).subscribe((confirmed) => {
      if (confirmed) {
        this.change(model, () =>
          this.catalog.deleteModel(model.id).subscribe({
            next: () => {
              this.done(model);
              this.reload();
            },
            error: (err: unknown) => this.failed(model, err),
          }),
        );
      }
    });
  }

  /** Runs one change of a model at a time; false when another is still on its way. */
  private change(model: Model, run: () => void): boolean {
    if (this.busy().has(model.id)) {
      return false;
    }
    this.notice.set(null);
    this.busy.update((ids) => new Set([...ids, model.id]));
    run();
    return true;
  }

  private done(model: Model): void {
    this.busy.update(
      (ids) => new Set([...ids].filter((id) => id !== model.id)),
    );
  }

  private failed(model: Model, err: unknown): void {
    this.done(model);
    this.notice.set(errorMessageKey(err));
    this.reload();
  }

  private open(data: ModelDialogData): void {
    this.dialog
      .open<ModelDialog, ModelDialogData, Model>(ModelDialog, {
        data,
        autoFocus: 'first-tabbable',
      })
      .afterClosed()
      .subscribe((saved) => {
        if (saved) {
          this.notice.set(null);
          this.reload();
        }
      });
  }

  private reload(): void {
    this.loading.set(true);
    forkJoin([
      this.catalog.models(),
      this.catalog.connections(),
      this.admin.settings(),
    ]).subscribe({
      next: ([models, connections, settings]) => {
        this.loading.set(false);
        this.loadError.set(null);
        this.models.set(models);
        this.connections.set(connections);
        this.defaultModel.set(settings.default_model ?? null);
      },
      error: (err: unknown) => {
        this.loading.set(false);
        this.loadError.set(errorMessageKey(err));
      },
    });
  }
}
