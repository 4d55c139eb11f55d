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
import { MAT_DIALOG_DATA, MatDialogRef } from '@angular/material/dialog';
import { GROUP_NAME_MAX, type Group } from '@tally/api-contract';
import { FormDialog, saveAndClose } from '../../shared/form-dialog';
import { TextField } from '../../shared/forms/text-field';
import { lengthValidator } from '../../shared/forms/validators';
import { GroupsApi } from '../data-access/groups-api.service';

export interface GroupDialogData {
  /** Absent: create a group. */
  group?: Group;
}

/** Create a group, or rename one and change its description. */
@Component({
  selector: 'app-group-dialog',
  imports: [ReactiveFormsModule, FormDialog, TextField],
  template: `
    <app-form-dialog
      [formGroup]="form"
      (ngSubmit)="save()"
      name="group"
      [heading]="
        group
          ? 'admin.groups.dialog.editTitle'
          : 'admin.groups.dialog.createTitle'
      "
      [headingParams]="{ name: group?.name }"
      [saveLabel]="group ? 'common.save' : 'admin.groups.create'"
      [busy]="busy()"
      [error]="error()"
      width="420px"
    >
      <app-text-field
        name="name"
        label="admin.groups.dialog.name"
        autocomplete="off"
        testId="group-name"
        errorTestId="group-name-error"
      />
      <app-text-field
        name="description"
        label="admin.groups.dialog.description"
        autocomplete="off"
        testId="group-description"
      />
    </app-form-dialog>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class GroupDialog {
  private readonly data = inject<GroupDialogData>(MAT_DIALOG_DATA);
  private readonly ref = inject<MatDialogRef<GroupDialog, Group>>(MatDialogRef);
  private readonly api = inject(GroupsApi);

  protected readonly group = this.data.group ?? null;
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly form = inject(NonNullableFormBuilder).group({
    name: [
      this.group?.name ?? '',
      [Validators.required, lengthValidator(1, GROUP_NAME_MAX)],
    ],
    description: [this.group?.description ?? ''],
  });

  protected save(): void {
    this.form.markAllAsTouched();
    const name = this.form.controls.name.value.trim();
    if (this.form.invalid || !name || this.busy()) {
      if (!name) {
        this.form.controls.name.setErrors({ required: true });
      }
      return;
    }
    const body = {
      name,
      description: this.form.controls.description.value.trim(),
    };
    saveAndClose(
      { ref: this.ref, busy: this.busy, error: this.error },
      this.group ? this.api.update(this.group.id, body) : this.api.create(body),
      { 409: 'errors.code.GROUP_EXISTS' },
    );
  }
}
