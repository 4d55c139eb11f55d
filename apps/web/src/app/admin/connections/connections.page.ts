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
import { TranslatePipe } from '@ngx-translate/core';
import type {
  Connection,
  ConnectionTestResult,
  Model,
} from '@tally/api-contract';
import { forkJoin } from 'rxjs';
import { errorMessageKey, toApiRequestError } from '../../core/http/api-error';
import { LocalNumberPipe } from '../../core/i18n/format';
import { PluralPipe } from '../../core/i18n/plural';
import { confirmAction } from '../../shared/confirm-dialog';
import { DataTable } from '../../shared/table/data-table';
import { RowActions } from '../../shared/table/row-actions';
import { CatalogApi } from '../data-access/catalog-api.service';
import { ConnectionDialog, ConnectionDialogData } from './connection-dialog';
import { ShownNamePipe } from '../../shared/built-in-names';
import { connectionTestFailure } from './connection-test-error';

/** A message in words: a translation key and its params. */
export interface Said {
  key: string;
  params?: Record<string, unknown>;
}

/** The last "test" of a connection: under way (no result yet), answered, or failed to ask. */
export interface TestRun {
  connection: Connection;
  result: ConnectionTestResult | null;
  error: string | null;
}

/** Which models use each connection, by connection id. */
export function modelsByConnection(models: Model[]): Map<string, string[]> {
  const used = new Map<string, string[]>();
  for (const model of models) {
    used.set(model.connection_id, [
      ...(used.get(model.connection_id) ?? []),
      model.id,
    ]);
  }
  return used;
}

/**
 * What a refused delete means: a connection still in use names the models
 * that use it; anything else says its code or status in words.
 */
export function deleteRefusal(err: unknown, inUseBy: string[]): Said {
  const code = toApiRequestError(err).code;
  if (code === 'CONNECTION_IN_USE') {
    return inUseBy.length
      ? {
          key: 'admin.connections.inUseBy',
          params: { models: inUseBy.join(', ') },
        }
      : { key: 'errors.code.CONNECTION_IN_USE' };
  }
  return { key: errorMessageKey(err) };
}

/** The provider connections: list, create, edit, delete, and "test" (the provider's model list). */
@Component({
  selector: 'app-connections-page',
  imports: [
    ShownNamePipe,
    MatTableModule,
    MatButtonModule,
    TranslatePipe,
    LocalNumberPipe,
    PluralPipe,
    DataTable,
    RowActions,
  ],
  templateUrl: './connections.page.html',
  styleUrls: ['../admin-page.css', './connections.page.css'],
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConnectionsPage {
  private readonly api = inject(CatalogApi);
  private readonly dialog = inject(MatDialog);

  protected readonly columns = [
    'name',
    'baseUrl',
    'apiKey',
    'request',
    'usedBy',
    'actions',
  ];
  protected readonly loading = signal(true);
  protected readonly loadError = signal<string | null>(null);
  protected readonly connections = signal<Connection[]>([]);
  private readonly models = signal<Model[]>([]);
  protected readonly usedBy = computed(() => modelsByConnection(this.models()));
  /** What the last action said (a refused delete, a failed request). */
  protected readonly notice = signal<Said | null>(null);
  protected readonly test = signal<TestRun | null>(null);
  /** A failed test in words (the API's error names the provider's address). */
  protected readonly testFailure = connectionTestFailure;

  constructor() {
    this.reload();
  }

  protected create(): void {
    this.open({});
  }

  protected edit(connection: Connection): void {
    this.open({ connection });
  }

  /** A connection that models use cannot be deleted (409 CONNECTION_IN_USE): said before anyone tries. */
  protected deleteBlocked(connection: Connection): Said | null {
    const models = this.usedBy().get(connection.id) ?? [];
    return models.length > 0
      ? {
          key: 'admin.connections.inUseBy',
          params: { models: models.join(', ') },
        }
      : null;
  }

  protected remove(connection: Connection): void {
    confirmAction(this.dialog, {
      title: 'admin.connections.deleteTitle',
      message: 'admin.connections.deleteConfirm',
      params: { name: connection.name },
    }).subscribe((confirmed) => {
      if (!confirmed) {
        return;
      }
      this.notice.set(null);
      this.api.deleteConnection(connection.id).subscribe({
        next: () => {
          if (this.test()?.connection.id === connection.id) {
            this.test.set(null);
          }
          this.reload();
        },
        error: (err: unknown) => {
          this.notice.set(
            deleteRefusal(err, this.usedBy().get(connection.id) ?? []),
          );
          this.reload();
        },
      });
    });
  }

  /** Asks the provider for its models through this connection. */
  protected runTest(connection: Connection): void {
    this.test.set({ connection, result: null, error: null });
    this.api.testConnection(connection.id).subscribe({
      next: (result) => {
        if (this.test()?.connection.id === connection.id) {
          this.test.set({ connection, result, error: null });
        }
      },
      error: (err: unknown) => {
        if (this.test()?.connection.id === connection.id) {
          this.test.set({
            connection,
            result: null,
            error: errorMessageKey(err),
          });
        }
      },
    });
  }

  private open(data: ConnectionDialogData): void {
    this.dialog
      .open<ConnectionDialog, ConnectionDialogData, Connection>(
        ConnectionDialog,
        { data, autoFocus: 'first-tabbable' },
      )
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
    forkJoin([this.api.connections(), this.api.models()]).subscribe({
      next: ([connections, models]) => {
        this.loading.set(false);
        this.loadError.set(null);
        this.connections.set(connections);
        this.models.set(models);
      },
      error: (err: unknown) => {
        this.loading.set(false);
        this.loadError.set(errorMessageKey(err));
      },
    });
  }
}
