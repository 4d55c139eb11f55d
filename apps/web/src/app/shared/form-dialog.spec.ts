import {
  ChangeDetectionStrategy,
  Component,
  inject,
  provideZonelessChangeDetection,
  signal,
} from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import {
  NonNullableFormBuilder,
  ReactiveFormsModule,
  Validators,
} from '@angular/forms';
import { MatDialogRef } from '@angular/material/dialog';
import { Subject, throwError } from 'rxjs';
import { ApiRequestError } from '../core/http/api-error';
import { provideTestI18n, useLanguage } from '../../testing/i18n';
import { one } from '../../testing/dom';
import { FormDialog, saveAndClose } from './form-dialog';
import { TextField } from './forms/text-field';

@Component({
  imports: [ReactiveFormsModule, FormDialog, TextField],
  template: `
    <app-form-dialog
      [formGroup]="form"
      (ngSubmit)="saved.set(saved() + 1)"
      name="group"
      heading="admin.groups.dialog.editTitle"
      [headingParams]="{ name: 'Research' }"
      saveLabel="common.save"
      [busy]="busy()"
      [error]="error()"
    >
      <app-text-field
        name="name"
        label="admin.groups.dialog.name"
        testId="group-name"
      />
    </app-form-dialog>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
class Host {
  readonly form = inject(NonNullableFormBuilder).group({
    name: ['', Validators.required],
  });
  readonly saved = signal(0);
  readonly busy = signal(false);
  readonly error = signal<string | null>(null);
}

describe('FormDialog', () => {
  let fixture: ComponentFixture<Host>;
  let el: HTMLElement;
  let close: ReturnType<typeof vi.fn>;

  const save = () => one<HTMLButtonElement>(el, '[data-testid="group-save"]');

  beforeEach(() => {
    close = vi.fn();
    TestBed.configureTestingModule({
      providers: [
        provideZonelessChangeDetection(),
        provideTestI18n(),
        { provide: MatDialogRef, useValue: { close } },
      ],
    });
    useLanguage('en');
    fixture = TestBed.createComponent(Host);
    el = fixture.nativeElement as HTMLElement;
    document.body.appendChild(el);
    fixture.detectChanges();
  });

  afterEach(() => el.remove());

  it('puts the heading, the fields of the form group, Cancel and the saving button in the frame', () => {
    expect(one(el, '[mat-dialog-title]').textContent?.trim()).toBe(
      'Edit the group Research',
    );
    const form = one(el, 'form[data-testid="group-dialog"]');
    const field = one<HTMLInputElement>(form, '[data-testid="group-name"]');
    field.value = 'Lab';
    field.dispatchEvent(new Event('input'));
    expect(fixture.componentInstance.form.controls.name.value).toBe('Lab');
    expect(save().textContent?.trim()).toBe('Save');
    expect(form.contains(save())).toBe(true);
  });

  it("submitting reaches the form group's ngSubmit", () => {
    save().click();
    expect(fixture.componentInstance.saved()).toBe(1);
    const enter = new SubmitEvent('submit', {
      bubbles: true,
      cancelable: true,
    });
    one(el, 'form').dispatchEvent(enter);
    expect(fixture.componentInstance.saved()).toBe(2);
    expect(enter.defaultPrevented).toBe(true);
  });

  it('Cancel closes the dialog with nothing', () => {
    one<HTMLButtonElement>(el, '[mat-dialog-close]').click();
    expect(close).toHaveBeenCalled();
  });

  it('holds the saving button while busy, and says what the last save said', () => {
    fixture.componentInstance.busy.set(true);
    fixture.componentInstance.error.set('errors.code.GROUP_EXISTS');
    fixture.detectChanges();
    expect(save().disabled).toBe(true);
    expect(
      one(el, '[data-testid="group-dialog-error"]').getAttribute('role'),
    ).toBe('alert');
  });
});

describe('saveAndClose', () => {
  function dialog() {
    return {
      ref: { close: vi.fn() } as unknown as MatDialogRef<unknown, string>,
      busy: signal(false),
      error: signal<string | null>('errors.status.network'),
    };
  }

  it('is busy while the request runs, then closes the dialog with the answer', () => {
    const d = dialog();
    const answer = new Subject<string>();
    saveAndClose(d, answer);
    expect(d.busy()).toBe(true);
    expect(d.error()).toBeNull();
    answer.next('saved');
    expect(d.ref.close).toHaveBeenCalledWith('saved');
  });

  it('says what failed in words, its own words for a status it is given', () => {
    const d = dialog();
    saveAndClose(
      d,
      throwError(() => new ApiRequestError(409, null)),
      {
        409: 'errors.code.GROUP_EXISTS',
      },
    );
    expect(d.busy()).toBe(false);
    expect(d.error()).toBe('errors.code.GROUP_EXISTS');
    expect(d.ref.close).not.toHaveBeenCalled();
  });
});
