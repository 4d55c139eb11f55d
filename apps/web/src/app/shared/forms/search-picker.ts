import {
  ChangeDetectionStrategy,
  Component,
  input,
  output,
  signal,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormControl, ReactiveFormsModule } from '@angular/forms';
import { MatAutocompleteModule } from '@angular/material/autocomplete';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { TranslatePipe } from '@ngx-translate/core';
import {
  Observable,
  Subject,
  catchError,
  debounceTime,
  of,
  switchMap,
} from 'rxjs';
import { SEARCH_DEBOUNCE_MS } from '../table/table-paging';

/** One thing a picker offers: a user, a group. */
export interface PickerOption {
  id: string;
  label: string;
  /** A second line, such as an e-mail address. */
  detail?: string;
}

/**
 * A search box that offers what `search(text)` finds and emits the one
 * picked: `<app-search-picker label="…" [search]="findUsers" (picked)="add($event)" />`.
 */
@Component({
  selector: 'app-search-picker',
  imports: [
    ReactiveFormsModule,
    MatAutocompleteModule,
    MatFormFieldModule,
    MatInputModule,
    TranslatePipe,
  ],
  template: `
    <mat-form-field appearance="outline" subscriptSizing="dynamic">
      <mat-label>{{ label() | translate }}</mat-label>
      <input
        matInput
        type="search"
        autocomplete="off"
        [formControl]="text"
        [matAutocomplete]="auto"
        (focus)="onFocus()"
        (input)="onInput()"
        [attr.data-testid]="testId()"
      />
      <mat-autocomplete
        #auto="matAutocomplete"
        [displayWith]="display"
        (optionSelected)="choose($event.option.value)"
      >
        @for (option of options(); track option.id) {
          <mat-option [value]="option" [attr.data-option-id]="option.id">
            <span>{{ option.label }}</span>
            @if (option.detail) {
              <span class="detail">{{ option.detail }}</span>
            }
          </mat-option>
        }
        @if (searched() && options().length === 0) {
          <mat-option disabled>{{
            'shared.picker.none' | translate
          }}</mat-option>
        }
      </mat-autocomplete>
    </mat-form-field>
  `,
  styles: `
    :host {
      display: block;
    }
    mat-form-field {
      width: 100%;
    }
    .detail {
      margin-inline-start: 8px;
      font-size: 0.8rem;
      color: var(--mat-sys-on-surface-variant);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SearchPicker {
  /** Translation key. */
  readonly label = input.required<string>();
  readonly search =
    input.required<(text: string) => Observable<PickerOption[]>>();
  readonly testId = input<string | null>(null);
  /** Empty the box after a pick (to pick one more), rather than show the pick. */
  readonly clearOnPick = input(false);
  readonly picked = output<PickerOption>();

  protected readonly text = new FormControl<string | PickerOption>('', {
    nonNullable: true,
  });
  protected readonly options = signal<PickerOption[]>([]);
  protected readonly searched = signal(false);
  private readonly queries = new Subject<string>();

  constructor() {
    this.queries
      .pipe(
        debounceTime(SEARCH_DEBOUNCE_MS),
        switchMap((query) =>
          this.search()(query).pipe(catchError(() => of([]))),
        ),
        takeUntilDestroyed(),
      )
      .subscribe((options) => {
        this.searched.set(true);
        this.options.set(options);
      });
  }

  protected readonly display = (value: PickerOption | string | null) =>
    typeof value === 'string' ? value : (value?.label ?? '');

  protected onFocus(): void {
    if (!this.searched()) {
      this.onInput();
    }
  }

  protected onInput(): void {
    const value = this.text.value;
    this.queries.next(typeof value === 'string' ? value.trim() : '');
  }

  protected choose(option: PickerOption): void {
    this.picked.emit(option);
    if (this.clearOnPick()) {
      this.text.setValue('');
    }
  }
}
