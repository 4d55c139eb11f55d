import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  signal,
} from '@angular/core';
import {
  NonNullableFormBuilder,
  ReactiveFormsModule,
  Validators,
} from '@angular/forms';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MAT_DIALOG_DATA, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatSelectModule } from '@angular/material/select';
import { TranslatePipe } from '@ngx-translate/core';
import {
  MODEL_LIMITS,
  TOKEN_PARAMETERS,
  type Connection,
  type CreateConnectionRequest,
  type TokenParameter,
  type UpdateConnectionRequest,
} from '@tally/api-contract';
import { Observable, of } from 'rxjs';
import { formatNumber } from '../../core/i18n/format';
import { LanguageService } from '../../core/i18n/language.service';
import { FormDialog, saveAndClose } from '../../shared/form-dialog';
import { TextField } from '../../shared/forms/text-field';
import {
  NAME_MAX,
  httpUrlValidator,
  lengthValidator,
  wholeNumberValidator,
} from '../../shared/forms/validators';
import { CatalogApi } from '../data-access/catalog-api.service';

export interface ConnectionDialogData {
  /** Absent: create a connection. */
  connection?: Connection;
}

export interface ConnectionFormValue {
  name: string;
  baseUrl: string;
  apiKey: string;
  removeKey: boolean;
  tokenParameter: TokenParameter;
  timeoutMs: string;
}

/** The body of a POST for the form's values. */
export function createConnectionBody(
  v: ConnectionFormValue,
): CreateConnectionRequest {
  return {
    name: v.name.trim(),
    base_url: v.baseUrl.trim(),
    ...(v.apiKey.trim() ? { api_key: v.apiKey.trim() } : {}),
    token_parameter: v.tokenParameter,
    timeout_ms: Number(v.timeoutMs.trim()),
  };
}

/**
 * The body of a PATCH: only what changed. The key is write-only: left out
 * while the field is empty (the stored key stays), the new one when typed,
 * null when "remove the key" is ticked.
 */
export function updateConnectionBody(
  c: Connection,
  v: ConnectionFormValue,
): UpdateConnectionRequest {
  const body: UpdateConnectionRequest = {};
  const name = v.name.trim();
  const baseUrl = v.baseUrl.trim();
  const timeout = Number(v.timeoutMs.trim());
  if (name !== c.name) {
    body.name = name;
  }
  if (baseUrl !== c.base_url) {
    body.base_url = baseUrl;
  }
  if (v.tokenParameter !== c.token_parameter) {
    body.token_parameter = v.tokenParameter;
  }
  if (timeout !== c.timeout_ms) {
    body.timeout_ms = timeout;
  }
  if (v.apiKey.trim()) {
    body.api_key = v.apiKey.trim();
  } else if (v.removeKey && c.has_api_key) {
    body.api_key = null;
  }
  return body;
}

/** Create or edit an OpenAI-compatible connection. */
@Component({
  selector: 'app-connection-dialog',
  imports: [
    ReactiveFormsModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatSelectModule,
    TranslatePipe,
    FormDialog,
    TextField,
  ],
  templateUrl: './connection-dialog.html',
  styles: `
    .remove-key {
      margin: -4px 0 12px;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConnectionDialog {
  protected readonly data = inject<ConnectionDialogData>(MAT_DIALOG_DATA);
  private readonly ref =
    inject<MatDialogRef<ConnectionDialog, Connection>>(MatDialogRef);
  private readonly api = inject(CatalogApi);
  private readonly fb = inject(NonNullableFormBuilder);

  protected readonly connection = this.data.connection;
  protected readonly tokenParameters = TOKEN_PARAMETERS;
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  /** The key is write-only: say whether one is stored (and its last characters), never the key. */
  protected readonly keyHint = this.connection?.has_api_key
    ? {
        key: 'admin.connections.fields.apiKeyStored',
        params: { hint: this.connection.api_key_hint ?? '' },
      }
    : { key: 'admin.connections.fields.apiKeyHint', params: {} };
  private readonly language = inject(LanguageService);
  protected readonly timeoutLimits = computed(() => ({
    min: formatNumber(this.language.lang(), MODEL_LIMITS.timeoutMsMin),
    max: formatNumber(this.language.lang(), MODEL_LIMITS.timeoutMsMax),
  }));

  protected readonly form = this.fb.group({
    name: [
      this.connection?.name ?? '',
      [Validators.required, lengthValidator(1, NAME_MAX)],
    ],
    baseUrl: [
      this.connection?.base_url ?? '',
      [Validators.required, httpUrlValidator],
    ],
    apiKey: [''],
    removeKey: [false],
    tokenParameter: [
      this.connection?.token_parameter ?? ('max_tokens' as TokenParameter),
    ],
    timeoutMs: [
      String(this.connection?.timeout_ms ?? MODEL_LIMITS.timeoutMsDefault),
      wholeNumberValidator(
        MODEL_LIMITS.timeoutMsMin,
        MODEL_LIMITS.timeoutMsMax,
      ),
    ],
  });

  protected save(): void {
    this.form.markAllAsTouched();
    if (this.form.invalid || this.busy()) {
      return;
    }
    saveAndClose(
      { ref: this.ref, busy: this.busy, error: this.error },
      this.request(),
    );
  }

  private request(): Observable<Connection> {
    const value = this.form.getRawValue();
    const connection = this.connection;
    if (!connection) {
      return this.api.createConnection(createConnectionBody(value));
    }
    const body = updateConnectionBody(connection, value);
    return Object.keys(body).length
      ? this.api.updateConnection(connection.id, body)
      : of(connection);
  }
}
