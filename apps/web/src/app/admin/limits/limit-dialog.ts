import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  signal,
} from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { NonNullableFormBuilder, ReactiveFormsModule } from '@angular/forms';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MAT_DIALOG_DATA, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatSelectModule } from '@angular/material/select';
import { TranslatePipe, TranslateService } from '@ngx-translate/core';
import type {
  AdminLimit,
  CreateLimitRequest,
  LimitMetric,
  LimitSubject,
  LimitWindow,
} from '@tally/api-contract';
import { Observable } from 'rxjs';
import { LanguageService } from '../../core/i18n/language.service';
import { PickerOption, SearchPicker } from '../../shared/forms/search-picker';
import { FormDialog, saveAndClose } from '../../shared/form-dialog';
import { TextField } from '../../shared/forms/text-field';
import {
  LimitSentencePipe,
  limitSentence,
} from '../../shared/limits/limit-words';
import { LimitsApi } from '../data-access/limits-api.service';
import { amountValidator, fromAmount, toAmount } from './limit-amount';
import { LimitFields, amountFollowsMetric, amountLabel } from './limit-fields';
import { subjectSearch } from './subject-search';

/** A group or a user the new limit is for, fixed by the page that opens the dialog. */
export interface LimitSubjectRef {
  subject: 'group' | 'user';
  id: string;
  name: string;
}

export interface LimitDialogData {
  /** Editing: only its amount changes. */
  limit?: AdminLimit;
  /** Creating for this subject only; absent: the admin chooses. */
  subject?: LimitSubjectRef;
}

/** The subjects an admin can give a limit here (an API key's are set with the key). */
const SUBJECTS: LimitSubject[] = ['everyone', 'group', 'user'];

/** Add a limit (who, what, per what, on which model, how much), or change one's amount. */
@Component({
  selector: 'app-limit-dialog',
  imports: [
    ReactiveFormsModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatSelectModule,
    TranslatePipe,
    FormDialog,
    TextField,
    SearchPicker,
    LimitFields,
    LimitSentencePipe,
  ],
  templateUrl: './limit-dialog.html',
  styles: `
    .preview {
      margin: 0 0 8px;
      padding: 8px 12px;
      border-radius: 8px;
      background: var(--mat-sys-surface-container);
      overflow-wrap: anywhere;
    }
    .shared {
      margin: 0 0 12px;
    }
    .muted {
      margin: 0 0 8px;
      color: var(--mat-sys-on-surface-variant);
      overflow-wrap: anywhere;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LimitDialog {
  protected readonly data = inject<LimitDialogData>(MAT_DIALOG_DATA);
  private readonly ref =
    inject<MatDialogRef<LimitDialog, AdminLimit>>(MatDialogRef);
  private readonly api = inject(LimitsApi);
  private readonly translate = inject(TranslateService);
  private readonly language = inject(LanguageService);
  protected readonly search = subjectSearch();

  protected readonly editing = this.data.limit ?? null;
  protected readonly fixed = this.data.subject ?? null;
  protected readonly subjects = SUBJECTS;
  /** The group or user picked for the limit. */
  protected readonly picked = signal<PickerOption | null>(
    this.fixed ? { id: this.fixed.id, label: this.fixed.name } : null,
  );
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);

  private readonly start = this.editing ?? {
    subject: this.fixed?.subject ?? ('everyone' as LimitSubject),
    metric: 'messages' as LimitMetric,
    window: 'day' as LimitWindow,
    model: null,
    shared: false,
    amount: null,
  };

  protected readonly form = inject(NonNullableFormBuilder).group({
    subject: [this.start.subject],
    metric: [this.start.metric],
    window: [this.start.window],
    /** '' counts every model. */
    model: [this.start.model ?? ''],
    shared: [this.start.shared],
    amount: [
      this.start.amount === null
        ? ''
        : fromAmount(this.start.metric, this.start.amount),
      [amountValidator(this.start.metric)],
    ],
  });
  private readonly value = toSignal(this.form.valueChanges, {
    initialValue: this.form.getRawValue(),
  });

  protected readonly subject = computed(
    () => this.value().subject ?? 'everyone',
  );
  protected readonly canShare = computed(
    () => this.subject() === 'everyone' || this.subject() === 'group',
  );
  protected readonly needsPick = computed(
    () => this.subject() !== 'everyone' && !this.picked(),
  );
  protected readonly metric = computed(() => this.value().metric ?? 'messages');
  protected readonly amountLabel = computed(() => amountLabel(this.metric()));

  /** The limit as it will read: "each member of Research: 50 messages a day". */
  protected readonly preview = computed(() => {
    const lang = this.language.lang();
    const v = this.value();
    const amount = this.form.controls.amount;
    if (this.editing && amount.valid) {
      return limitSentence(this.translate, lang, {
        ...this.editing,
        amount: toAmount(this.editing.metric, v.amount ?? ''),
      });
    }
    if (this.editing || amount.invalid || this.needsPick()) {
      return null;
    }
    const metric = this.metric();
    return limitSentence(this.translate, lang, {
      id: '',
      subject: this.subject(),
      subject_id: this.picked()?.id ?? null,
      subject_name: this.picked()?.label ?? null,
      metric,
      window: v.window ?? 'day',
      model: v.model || null,
      shared: this.canShare() && !!v.shared,
      amount: toAmount(metric, v.amount ?? ''),
    });
  });

  constructor() {
    amountFollowsMetric(this.form.controls.metric, this.form.controls.amount);
    this.form.controls.subject.valueChanges
      .pipe(takeUntilDestroyed())
      .subscribe(() => this.picked.set(null));
  }

  protected save(): void {
    this.form.markAllAsTouched();
    if (this.form.invalid || this.busy()) {
      return;
    }
    if (!this.editing && this.needsPick()) {
      this.error.set(`admin.limits.dialog.pick.${this.subject()}`);
      return;
    }
    saveAndClose(
      { ref: this.ref, busy: this.busy, error: this.error },
      this.request(),
    );
  }

  private request(): Observable<AdminLimit> {
    const v = this.form.getRawValue();
    if (this.editing) {
      return this.api.update(this.editing.id, {
        amount: toAmount(this.editing.metric, v.amount),
      });
    }
    const body: CreateLimitRequest = {
      subject: v.subject,
      metric: v.metric,
      window: v.window,
      model: v.model || null,
      shared: this.canShare() && v.shared,
      amount: toAmount(v.metric, v.amount),
    };
    if (v.subject !== 'everyone') {
      body.subject_id = this.picked()?.id ?? null;
    }
    return this.api.create(body);
  }
}
