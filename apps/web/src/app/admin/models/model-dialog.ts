import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  signal,
} from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import {
  AbstractControl,
  NonNullableFormBuilder,
  ReactiveFormsModule,
  ValidationErrors,
  Validators,
} from '@angular/forms';
import { MatAutocompleteModule } from '@angular/material/autocomplete';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { TranslatePipe } from '@ngx-translate/core';
import {
  MODEL_ID_PATTERN,
  MODEL_LIMITS,
  type Connection,
  type CreateModelRequest,
  type Model,
  type UpdateModelRequest,
} from '@tally/api-contract';
import { Observable, map, of, startWith } from 'rxjs';
import { errorMessageKey } from '../../core/http/api-error';
import { formatNumber } from '../../core/i18n/format';
import { LanguageService } from '../../core/i18n/language.service';
import { PluralPipe } from '../../core/i18n/plural';
import { FormDialog, saveAndClose } from '../../shared/form-dialog';
import { TextField } from '../../shared/forms/text-field';
import {
  NAME_MAX,
  decimalValidator,
  lengthValidator,
  parseDecimal,
  wholeNumberValidator,
} from '../../shared/forms/validators';
import { CatalogApi } from '../data-access/catalog-api.service';
import { ShownNamePipe } from '../../shared/built-in-names';

export interface ModelDialogData {
  /** Absent: create a model. */
  model?: Model;
  connections: Connection[];
}

export interface ModelFormValue {
  id: string;
  name: string;
  connectionId: string;
  upstreamModel: string;
  enabled: boolean;
  inputPrice: string;
  outputPrice: string;
  maxOutputTokens: string;
  contextTokens: string;
}

function modelIdValidator(control: AbstractControl): ValidationErrors | null {
  const text = String(control.value ?? '').trim();
  if (!text) {
    return { required: true };
  }
  return MODEL_ID_PATTERN.test(text) ? null : { modelId: true };
}

const price = () =>
  decimalValidator(
    MODEL_LIMITS.priceMin,
    MODEL_LIMITS.priceMax,
    MODEL_LIMITS.priceDecimals,
  );

/** The form's values as the wire has them (numbers, trimmed text). */
function wireValues(v: ModelFormValue): Omit<CreateModelRequest, 'id'> {
  return {
    name: v.name.trim(),
    connection_id: v.connectionId,
    upstream_model: v.upstreamModel.trim(),
    enabled: v.enabled,
    input_price: parseDecimal(v.inputPrice) ?? 0,
    output_price: parseDecimal(v.outputPrice) ?? 0,
    max_output_tokens: Number(v.maxOutputTokens.trim()),
    context_tokens: Number(v.contextTokens.trim()),
  };
}

export function createModelBody(v: ModelFormValue): CreateModelRequest {
  return { id: v.id.trim(), ...wireValues(v) };
}

/** The body of a PATCH: only what changed. */
export function updateModelBody(
  model: Model,
  v: ModelFormValue,
): UpdateModelRequest {
  const next = wireValues(v);
  const body: Record<string, unknown> = {};
  for (const key of Object.keys(next) as (keyof typeof next)[]) {
    if (next[key] !== model[key]) {
      body[key] = next[key];
    }
  }
  return body as UpdateModelRequest;
}

/** Create or edit a model: its connection and upstream name, prices, caps, enabled. */
@Component({
  selector: 'app-model-dialog',
  imports: [
    ShownNamePipe,
    ReactiveFormsModule,
    MatAutocompleteModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    MatSlideToggleModule,
    TranslatePipe,
    PluralPipe,
    FormDialog,
    TextField,
  ],
  templateUrl: './model-dialog.html',
  styles: `
    .pair {
      display: flex;
      flex-wrap: wrap;
      gap: 0 12px;
    }
    .pair > * {
      flex: 1 1 12rem;
    }
    .upstream {
      display: flex;
      align-items: flex-start;
      gap: 8px;
    }
    .upstream mat-form-field {
      flex: 1;
    }
    .upstream button {
      margin-top: 8px;
    }
    .toggle {
      margin: 4px 0 16px;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ModelDialog {
  protected readonly data = inject<ModelDialogData>(MAT_DIALOG_DATA);
  private readonly ref = inject<MatDialogRef<ModelDialog, Model>>(MatDialogRef);
  private readonly api = inject(CatalogApi);
  private readonly fb = inject(NonNullableFormBuilder);

  protected readonly model = this.data.model;
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  /** What the chosen connection's provider offers (from its "test"). */
  protected readonly offered = signal<string[] | null>(null);
  protected readonly asking = signal(false);
  protected readonly askError = signal<string | null>(null);
  private readonly language = inject(LanguageService);
  /** The ranges the hints name, written for the chosen language. */
  protected readonly limits = computed(() => {
    const n = (value: number) => formatNumber(this.language.lang(), value);
    return {
      price: {
        min: n(MODEL_LIMITS.priceMin),
        max: n(MODEL_LIMITS.priceMax),
        decimals: n(MODEL_LIMITS.priceDecimals),
      },
      output: {
        min: n(MODEL_LIMITS.maxOutputTokensMin),
        max: n(MODEL_LIMITS.maxOutputTokensMax),
      },
      context: {
        min: n(MODEL_LIMITS.contextTokensMin),
        max: n(MODEL_LIMITS.contextTokensMax),
      },
    };
  });

  protected readonly form = this.fb.group({
    id: [this.model?.id ?? '', this.model ? [] : [modelIdValidator]],
    name: [
      this.model?.name ?? '',
      [Validators.required, lengthValidator(1, NAME_MAX)],
    ],
    connectionId: [
      this.model?.connection_id ?? this.data.connections[0]?.id ?? '',
      Validators.required,
    ],
    upstreamModel: [this.model?.upstream_model ?? '', Validators.required],
    enabled: [this.model?.enabled ?? true],
    inputPrice: [String(this.model?.input_price ?? 0), price()],
    outputPrice: [String(this.model?.output_price ?? 0), price()],
    maxOutputTokens: [
      String(
        this.model?.max_output_tokens ?? MODEL_LIMITS.maxOutputTokensDefault,
      ),
      wholeNumberValidator(
        MODEL_LIMITS.maxOutputTokensMin,
        MODEL_LIMITS.maxOutputTokensMax,
      ),
    ],
    contextTokens: [
      String(this.model?.context_tokens ?? MODEL_LIMITS.contextTokensDefault),
      wholeNumberValidator(
        MODEL_LIMITS.contextTokensMin,
        MODEL_LIMITS.contextTokensMax,
      ),
    ],
  });

  private readonly typedUpstream = toSignal(
    this.form.controls.upstreamModel.valueChanges.pipe(
      startWith(this.form.controls.upstreamModel.value),
      map((text) => text.trim().toLowerCase()),
    ),
    { initialValue: '' },
  );
  protected readonly suggestions = computed(() => {
    const needle = this.typedUpstream();
    return (this.offered() ?? [])
      .filter((name) => name.toLowerCase().includes(needle))
      .slice(0, 50);
  });

  constructor() {
    // Another connection, another provider: its list is asked for anew.
    this.form.controls.connectionId.valueChanges.subscribe(() => {
      this.offered.set(null);
      this.askError.set(null);
    });
  }

  /** Fills the upstream suggestions with the models the connection's provider lists. */
  protected askProvider(): void {
    const id = this.form.controls.connectionId.value;
    if (!id || this.asking()) {
      return;
    }
    this.asking.set(true);
    this.askError.set(null);
    this.api.testConnection(id).subscribe({
      next: (result) => {
        this.asking.set(false);
        if (result.ok) {
          this.offered.set(result.models);
        } else {
          this.offered.set(null);
          this.askError.set(result.error);
        }
      },
      error: (err: unknown) => {
        this.asking.set(false);
        this.askError.set(null);
        this.error.set(errorMessageKey(err));
      },
    });
  }

  protected save(): void {
    this.form.markAllAsTouched();
    if (this.form.invalid || this.busy()) {
      return;
    }
    saveAndClose(
      { ref: this.ref, busy: this.busy, error: this.error },
      this.request(),
      this.model ? {} : { 409: 'errors.code.MODEL_EXISTS' },
    );
  }

  private request(): Observable<Model> {
    const value = this.form.getRawValue();
    const model = this.model;
    if (!model) {
      return this.api.createModel(createModelBody(value));
    }
    const body = updateModelBody(model, value);
    return Object.keys(body).length
      ? this.api.updateModel(model.id, body)
      : of(model);
  }
}
