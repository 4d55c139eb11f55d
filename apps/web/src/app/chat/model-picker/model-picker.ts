import {
  ChangeDetectionStrategy,
  Component,
  computed,
  input,
  output,
} from '@angular/core';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatSelectModule } from '@angular/material/select';
import { TranslatePipe } from '@ngx-translate/core';
import type { ModelInfo } from '@tally/api-contract';
import { PricePipe } from '../../shared/money';
import { ShownNamePipe } from '../../shared/built-in-names';

/** Which model a chat's answers come from; each choice shows its price per million tokens. */
@Component({
  selector: 'app-model-picker',
  imports: [
    MatFormFieldModule,
    MatSelectModule,
    TranslatePipe,
    PricePipe,
    ShownNamePipe,
  ],
  template: `
    <mat-form-field appearance="outline" subscriptSizing="dynamic">
      <mat-label>{{ 'chat.model.label' | translate }}</mat-label>
      <mat-select
        [value]="value()"
        [disabled]="disabled() || models().length === 0"
        (selectionChange)="picked.emit($event.value)"
        panelClass="model-picker-panel"
        data-testid="model-picker"
      >
        <mat-select-trigger>
          <span data-testid="model-picker-value">{{
            (selected() | shownName) || value()
          }}</span>
        </mat-select-trigger>
        @for (model of models(); track model.id) {
          <mat-option
            [value]="model.id"
            [attr.data-model]="model.id"
            data-testid="model-option"
          >
            <span class="name">{{ model | shownName }}</span>
            <span class="price" data-testid="model-price">{{
              model | price
            }}</span>
          </mat-option>
        }
      </mat-select>
    </mat-form-field>
  `,
  styles: `
    :host {
      display: block;
      min-width: 11rem;
      max-width: 18rem;
      --mat-form-field-container-height: 40px;
      --mat-form-field-container-vertical-padding: 8px;
      --mat-form-field-container-text-size: 0.875rem;
    }
    mat-form-field {
      width: 100%;
    }
    .name {
      display: block;
    }
    .price {
      display: block;
      font-size: 0.75rem;
      color: var(--mat-sys-on-surface-variant);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ModelPicker {
  readonly models = input.required<ModelInfo[]>();
  /** The model answers go to now. */
  readonly value = input<string | null>(null);
  readonly disabled = input(false);
  /** The user chose another model. */
  readonly picked = output<string>();

  protected readonly selected = computed(() =>
    this.models().find((m) => m.id === this.value()),
  );
}
