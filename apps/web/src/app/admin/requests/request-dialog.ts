import {
  ChangeDetectionStrategy,
  Component,
  inject,
  signal,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule } from '@angular/material/dialog';
import { TranslatePipe } from '@ngx-translate/core';
import type { GatewayRequest } from '@tally/api-contract';
import { LocalDateTimePipe, LocalNumberPipe } from '../../core/i18n/format';
import { CostPipe } from '../../shared/money';
import { RequestsApi } from '../data-access/requests-api.service';
import { reasonKey } from './request-reason';

/**
 * Everything about one request of the log: the full ids, who made it, how
 * it ended and why, what it used. Opens with the row as listed and shows it
 * as the server has it now (`GET /api/admin/requests/:id`).
 */
@Component({
  selector: 'app-request-dialog',
  host: { 'data-testid': 'request-dialog' },
  imports: [
    MatDialogModule,
    MatButtonModule,
    TranslatePipe,
    LocalDateTimePipe,
    LocalNumberPipe,
    CostPipe,
  ],
  template: `
    @let r = row();
    <h2 mat-dialog-title>{{ 'admin.requests.detail.title' | translate }}</h2>
    <mat-dialog-content>
      <dl class="fields" data-testid="request-detail">
        <dt>{{ 'admin.requests.detail.id' | translate }}</dt>
        <dd>
          <code>{{ r.id }}</code>
        </dd>
        <dt>{{ 'admin.requests.columns.started' | translate }}</dt>
        <dd>{{ r.started_at | localDateTime: 'seconds' }}</dd>
        <dt>{{ 'admin.requests.columns.user' | translate }}</dt>
        <dd>
          {{ r.user_name || r.user_email }}
          @if (r.user_name) {
            <div>{{ r.user_email }}</div>
          }
          <code>{{ r.user_id }}</code>
        </dd>
        <dt>{{ 'admin.requests.columns.key' | translate }}</dt>
        <dd data-testid="request-detail-key">
          @if (r.api_key_id) {
            {{ r.api_key_name }}
            <div>
              <code>{{ r.api_key_id }}</code>
            </div>
          } @else if (r.by_api_key) {
            {{ 'admin.requests.deletedKey' | translate }}
          } @else {
            {{ 'admin.requests.token' | translate }}
          }
        </dd>
        <dt>{{ 'admin.requests.columns.model' | translate }}</dt>
        <dd>{{ r.model ?? ('admin.requests.detail.none' | translate) }}</dd>
        <dt>{{ 'admin.requests.columns.status' | translate }}</dt>
        <dd>{{ 'admin.requests.status.' + r.status | translate }}</dd>
        <dt>{{ 'admin.requests.detail.reason' | translate }}</dt>
        <dd data-testid="request-detail-reason">
          @if (r.code) {
            @if (reasonKey(r.code); as key) {
              {{ key | translate }}
              <div>
                <code>{{ r.code }}</code>
              </div>
            } @else {
              <code>{{ r.code }}</code>
            }
          } @else {
            {{ 'admin.requests.detail.none' | translate }}
          }
        </dd>
        <dt>{{ 'admin.requests.detail.count' | translate }}</dt>
        <dd data-testid="request-detail-count">{{ r.count | localNumber }}</dd>
        <dt>{{ 'admin.requests.detail.promptTokens' | translate }}</dt>
        <dd>
          {{
            r.prompt_tokens === null
              ? ('admin.requests.detail.none' | translate)
              : (r.prompt_tokens | localNumber)
          }}
        </dd>
        <dt>{{ 'admin.requests.detail.completionTokens' | translate }}</dt>
        <dd>
          {{
            r.completion_tokens === null
              ? ('admin.requests.detail.none' | translate)
              : (r.completion_tokens | localNumber)
          }}
        </dd>
        <dt>{{ 'admin.requests.columns.cost' | translate }}</dt>
        <dd>
          {{
            r.cost === null
              ? ('admin.requests.detail.none' | translate)
              : (r.cost | cost)
          }}
        </dd>
        <dt>{{ 'admin.requests.columns.duration' | translate }}</dt>
        <dd>
          {{
            'admin.requests.ms'
              | translate: { ms: (r.duration_ms | localNumber) }
          }}
        </dd>
      </dl>
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button
        mat-button
        type="button"
        mat-dialog-close
        cdkFocusInitial
        data-testid="request-detail-close"
      >
        {{ 'admin.requests.detail.close' | translate }}
      </button>
    </mat-dialog-actions>
  `,
  styles: `
    .fields {
      display: grid;
      grid-template-columns: max-content minmax(0, 1fr);
      gap: 0.4rem 1rem;
      margin: 0;
      min-width: min(480px, 80vw);
    }
    dt {
      color: var(--mat-sys-on-surface-variant);
    }
    dd {
      margin: 0;
      overflow-wrap: break-word;
    }
    code {
      font-size: 0.85rem;
    }
    @media (max-width: 480px) {
      .fields {
        grid-template-columns: minmax(0, 1fr);
        gap: 0.1rem;
      }
      dd {
        margin-bottom: 0.5rem;
      }
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RequestDialog {
  protected readonly reasonKey = reasonKey;
  protected readonly row = signal(inject<GatewayRequest>(MAT_DIALOG_DATA));

  constructor() {
    // What the server has now; the listed row stays if it cannot be read.
    inject(RequestsApi)
      .request(this.row().id)
      .pipe(takeUntilDestroyed())
      .subscribe({ next: (r) => this.row.set(r), error: () => undefined });
  }
}
