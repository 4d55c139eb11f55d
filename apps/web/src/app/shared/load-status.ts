import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { TranslatePipe } from '@ngx-translate/core';

/** A page's "loading" bar and, when a request failed, what went wrong in words. */
@Component({
  selector: 'app-load-status',
  imports: [MatProgressBarModule, TranslatePipe],
  template: `
    @if (loading()) {
      <mat-progress-bar
        mode="indeterminate"
        [attr.aria-label]="'common.loading' | translate"
      />
    }
    @if (error(); as key) {
      <p class="banner banner-error" role="alert">{{ key | translate }}</p>
    }
  `,
  styles: `
    :host {
      display: block;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LoadStatus {
  readonly loading = input(false);
  /** Translation key. */
  readonly error = input<string | null>(null);
}
