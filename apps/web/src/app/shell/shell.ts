import { BreakpointObserver } from '@angular/cdk/layout';
import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  computed,
  inject,
  viewChild,
} from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatSidenav, MatSidenavModule } from '@angular/material/sidenav';
import { MatToolbarModule } from '@angular/material/toolbar';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { TranslatePipe } from '@ngx-translate/core';
import { map } from 'rxjs';
import { AuthStore } from '../core/auth/auth.store';
import { ChatsStore } from '../chat/data-access/chats.store';
import { ChatNav } from './chat-nav';
import { LanguageSwitch } from './language-switch';
import { Icon } from '../shared/icon';

/** Signed-in layout: toolbar, sidebar (chats; admin entries for admins), content. */
@Component({
  selector: 'app-shell',
  imports: [
    RouterOutlet,
    RouterLink,
    RouterLinkActive,
    MatSidenavModule,
    MatToolbarModule,
    MatButtonModule,
    TranslatePipe,
    ChatNav,
    LanguageSwitch,
    Icon,
  ],
  templateUrl: './shell.html',
  styleUrl: './shell.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Shell {
  protected readonly auth = inject(AuthStore);
  private readonly chats = inject(ChatsStore);
  private readonly sidenav = viewChild.required(MatSidenav);
  private readonly main = viewChild.required<ElementRef<HTMLElement>>('main');

  protected readonly narrow = toSignal(
    inject(BreakpointObserver)
      .observe('(max-width: 800px)')
      .pipe(map((state) => state.matches)),
    { initialValue: false },
  );
  protected readonly mode = computed(() => (this.narrow() ? 'over' : 'side'));
  protected readonly adminLinks = [
    { path: '/admin/users', key: 'admin.nav.users', testId: 'nav-admin-users' },
    {
      path: '/admin/groups',
      key: 'admin.nav.groups',
      testId: 'nav-admin-groups',
    },
    {
      path: '/admin/limits',
      key: 'admin.nav.limits',
      testId: 'nav-admin-limits',
    },
    {
      path: '/admin/settings',
      key: 'admin.nav.settings',
      testId: 'nav-admin-settings',
    },
    {
      path: '/admin/connections',
      key: 'admin.nav.connections',
      testId: 'nav-admin-connections',
    },
    {
      path: '/admin/models',
      key: 'admin.nav.models',
      testId: 'nav-admin-models',
    },
    { path: '/admin/usage', key: 'admin.nav.usage', testId: 'nav-admin-usage' },
    {
      path: '/admin/requests',
      key: 'admin.nav.requests',
      testId: 'nav-admin-requests',
    },
  ];

  constructor() {
    this.chats.load();
  }

  /** The skip link moves focus itself: with `<base href="/">`, a bare `#main` would leave the page. */
  protected skipToMain(event: Event): void {
    event.preventDefault();
    this.main().nativeElement.focus();
  }

  protected closeOnPhone(): void {
    if (this.narrow()) {
      void this.sidenav().close();
    }
  }

  protected logout(): void {
    this.auth.logout();
  }
}
