import {
  ChangeDetectionStrategy,
  Component,
  inject,
  signal,
} from '@angular/core';
import {
  NonNullableFormBuilder,
  ReactiveFormsModule,
  Validators,
} from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import {
  MAT_DIALOG_DATA,
  MatDialogModule,
  MatDialogRef,
} from '@angular/material/dialog';
import { MatExpansionModule } from '@angular/material/expansion';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatSelectModule } from '@angular/material/select';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { TranslatePipe } from '@ngx-translate/core';
import {
  ROLES,
  type AdminUser,
  type CreateAdminUserRequest,
  type Role,
  type Settings,
  type UpdateAdminUserRequest,
} from '@tally/api-contract';
import { Observable, of } from 'rxjs';
import { saveAndClose } from '../../shared/form-dialog';
import { TextField } from '../../shared/forms/text-field';
import {
  NAME_MAX,
  NEW_PASSWORD,
  lengthValidator,
} from '../../shared/forms/validators';
import { LIMITS } from '@tally/api-contract';
import { AdminApi } from '../data-access/admin-api.service';
import { LimitEditor } from './limit-editor';
import { createLimitForm, limitValue } from './limit-validators';
import { UserLimits } from './user-limits';

let dialogs = 0;

export interface UserDialogData {
  /** Absent: create a user. */
  user?: AdminUser;
  settings: Settings | null;
}

/** Create a user, or edit one's role, active flag, daily limits, other limits and grants. */
@Component({
  selector: 'app-user-dialog',
  imports: [
    ReactiveFormsModule,
    MatDialogModule,
    MatButtonModule,
    MatFormFieldModule,
    MatSelectModule,
    MatSlideToggleModule,
    TranslatePipe,
    MatExpansionModule,
    LimitEditor,
    TextField,
    UserLimits,
  ],
  templateUrl: './user-dialog.html',
  styles: `
    .fields {
      display: flex;
      flex-direction: column;
      gap: 4px;
      min-width: min(460px, 80vw);
    }
    .toggle {
      margin: 4px 0 16px;
    }
    .limits-panel {
      margin: 4px 0 8px;
      max-width: min(720px, 80vw);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class UserDialog {
  protected readonly data = inject<UserDialogData>(MAT_DIALOG_DATA);
  private readonly ref =
    inject<MatDialogRef<UserDialog, AdminUser>>(MatDialogRef);
  private readonly api = inject(AdminApi);
  private readonly fb = inject(NonNullableFormBuilder);

  protected readonly editing = !!this.data.user;
  /** The Save button sits outside the form (below the limits panel) and names it. */
  protected readonly formId = `user-form-${++dialogs}`;
  protected readonly roles = ROLES;
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly password = NEW_PASSWORD;

  protected readonly form = this.fb.group({
    email: [
      this.data.user?.email ?? '',
      this.editing ? [] : [Validators.required, Validators.email],
    ],
    // Editing: a new password is optional (empty keeps the old one).
    password: [
      '',
      this.editing
        ? [lengthValidator(LIMITS.passwordMin, LIMITS.passwordMax)]
        : NEW_PASSWORD.validators,
    ],
    name: [this.data.user?.name ?? '', lengthValidator(0, NAME_MAX)],
    role: [(this.data.user?.role ?? 'user') as Role],
    isActive: [this.data.user?.is_active ?? true],
    messages: createLimitForm(this.data.user?.max_ai_messages_per_day ?? null),
    tokens: createLimitForm(this.data.user?.max_ai_tokens_per_day ?? null),
  });

  protected save(): void {
    this.form.markAllAsTouched();
    if (this.form.invalid || this.busy()) {
      return;
    }
    saveAndClose(
      { ref: this.ref, busy: this.busy, error: this.error },
      this.request(),
      this.editing ? {} : { 409: 'errors.code.EMAIL_TAKEN' },
    );
  }

  private request(): Observable<AdminUser> {
    const value = this.form.getRawValue();
    const limits = {
      max_ai_messages_per_day: limitValue(this.form.controls.messages),
      max_ai_tokens_per_day: limitValue(this.form.controls.tokens),
    };
    const user = this.data.user;
    if (user) {
      // Only what changed: a PATCH of the untouched role of the last admin must not be a 409.
      const body: UpdateAdminUserRequest = {};
      const name = value.name.trim();
      if (name !== user.name && name) {
        body.name = name;
      }
      if (value.role !== user.role) {
        body.role = value.role;
      }
      if (value.isActive !== user.is_active) {
        body.is_active = value.isActive;
      }
      if (limits.max_ai_messages_per_day !== user.max_ai_messages_per_day) {
        body.max_ai_messages_per_day = limits.max_ai_messages_per_day;
      }
      if (limits.max_ai_tokens_per_day !== user.max_ai_tokens_per_day) {
        body.max_ai_tokens_per_day = limits.max_ai_tokens_per_day;
      }
      if (value.password) {
        body.password = value.password;
      }
      return Object.keys(body).length
        ? this.api.updateUser(user.id, body)
        : of(user);
    }
    const body: CreateAdminUserRequest = {
      email: value.email.trim(),
      password: value.password,
      role: value.role,
      ...(value.name.trim() ? { name: value.name.trim() } : {}),
      ...limits,
    };
    return this.api.createUser(body);
  }
}
