import {
  ChangeDetectionStrategy,
  Component,
  provideZonelessChangeDetection,
  signal,
} from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { MatTableModule } from '@angular/material/table';
import { provideTestI18n, useLanguage } from '../../../testing/i18n';
import { one } from '../../../testing/dom';
import { DataTable } from './data-table';
import { TablePaging } from './table-paging';

interface Row {
  id: string;
  email: string;
}

@Component({
  imports: [MatTableModule, DataTable],
  template: `
    <app-data-table
      [rows]="rows()"
      [columns]="['email']"
      [loading]="loading()"
      none="admin.users.none"
      testId="users-table"
      [status]="true"
      [error]="error()"
      count="admin.users.count"
      countTestId="users-count"
      [total]="total()"
      [paging]="paging"
      [region]="region()"
    >
      @if (notice()) {
        <p tableNotice data-testid="notice">{{ notice() }}</p>
      }
      <ng-container matColumnDef="email">
        <th mat-header-cell *matHeaderCellDef>E-mail</th>
        <td mat-cell *matCellDef="let row">{{ row.email }}</td>
      </ng-container>
      <tr
        mat-row
        *matRowDef="let row; columns: ['email']"
        [attr.data-email]="row.email"
      ></tr>
    </app-data-table>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
class Host {
  readonly rows = signal<Row[]>([]);
  readonly loading = signal(true);
  readonly error = signal<string | null>(null);
  readonly total = signal<number | null>(null);
  readonly notice = signal('');
  readonly region = signal<string | null>(null);
  readonly paging = new TablePaging();
}

describe('DataTable', () => {
  let fixture: ComponentFixture<Host>;
  let el: HTMLElement;

  const text = (selector: string) =>
    el.querySelector(selector)?.textContent?.trim() ?? null;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideZonelessChangeDetection(), provideTestI18n()],
    });
    useLanguage('en');
    fixture = TestBed.createComponent(Host);
    el = fixture.nativeElement as HTMLElement;
    fixture.detectChanges();
  });

  it('says "Loading…" with a loading bar, then that there is nothing, with no count until the total is known', () => {
    expect(text('.no-data')).toBe('Loading…');
    expect(el.querySelector('mat-progress-bar')).not.toBeNull();
    expect(el.querySelector('[data-testid="users-count"]')).toBeNull();

    fixture.componentInstance.loading.set(false);
    fixture.componentInstance.total.set(0);
    fixture.detectChanges();
    expect(text('.no-data')).toBe('No users found.');
    expect(el.querySelector('mat-progress-bar')).toBeNull();
    expect(text('[data-testid="users-count"]')).toBe('0 users');
  });

  it("shows the page's rows, with the row's own attributes, its header and the count", () => {
    const host = fixture.componentInstance;
    host.loading.set(false);
    host.rows.set([
      { id: '1', email: 'ann@example.com' },
      { id: '2', email: 'bob@example.com' },
    ]);
    host.total.set(21);
    fixture.detectChanges();
    const table = one(el, 'table[data-testid="users-table"]');
    expect(text('th')).toBe('E-mail');
    expect(
      [...table.querySelectorAll('tr[data-email]')].map((r) =>
        r.textContent?.trim(),
      ),
    ).toEqual(['ann@example.com', 'bob@example.com']);
    expect(el.querySelector('.no-data')).toBeNull();
    expect(text('[data-testid="users-count"]')).toBe('21 users');
    expect(el.querySelector('mat-paginator')).not.toBeNull();
  });

  it("labels each cell with its column's header, for the phone's cards", async () => {
    const host = fixture.componentInstance;
    host.loading.set(false);
    host.rows.set([{ id: '1', email: 'ann@example.com' }]);
    fixture.detectChanges();
    await Promise.resolve(); // the labels follow the rows a microtask later
    expect(one(el, 'tr[data-email] td').getAttribute('data-label')).toBe(
      'E-mail',
    );
  });

  it('keeps a row in place when a reload brings it again (tracked by id)', () => {
    const host = fixture.componentInstance;
    host.loading.set(false);
    host.rows.set([{ id: '1', email: 'ann@example.com' }]);
    fixture.detectChanges();
    const row = one(el, 'tr[data-email]');
    host.rows.set([{ id: '1', email: 'ann@example.com' }]);
    fixture.detectChanges();
    expect(one(el, 'tr[data-email]')).toBe(row);
  });

  it('says what failed, and puts a notice above the table', () => {
    const host = fixture.componentInstance;
    host.error.set('errors.status.network');
    host.notice.set('Refused');
    fixture.detectChanges();
    expect(el.querySelector('[role="alert"]')).not.toBeNull();
    const notice = one(el, '[data-testid="notice"]');
    expect(
      notice.compareDocumentPosition(one(el, '.table-wrap')) &
        Node.DOCUMENT_POSITION_FOLLOWING,
    ).toBeTruthy();
  });

  it('makes its scrolling wrapper a focusable region when a heading names it', () => {
    const wrap = one(el, '.table-wrap');
    expect(wrap.getAttribute('tabindex')).toBeNull();
    expect(wrap.getAttribute('role')).toBeNull();
    fixture.componentInstance.region.set('users-heading');
    fixture.detectChanges();
    expect(wrap.getAttribute('tabindex')).toBe('0');
    expect(wrap.getAttribute('role')).toBe('region');
    expect(wrap.getAttribute('aria-labelledby')).toBe('users-heading');
  });
});
