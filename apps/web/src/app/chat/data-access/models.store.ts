import { Injectable, computed, inject, signal } from '@angular/core';
import type { ModelInfo, ModelInfoList } from '@tally/api-contract';
import { Subscription } from 'rxjs';
import { AuthStore } from '../../core/auth/auth.store';
import { ChatApi } from './chat-api.service';

/**
 * The models a user can pick (`GET /api/models`): loaded once per session,
 * again on demand (after a send or a pick was refused because a model went
 * away), and forgotten when the session ends.
 */
@Injectable({ providedIn: 'root' })
export class ModelsStore {
  private readonly api = inject(ChatApi);
  private readonly state = signal<ModelInfoList | null>(null);
  private loading: Subscription | null = null;

  /** The enabled models, in the API's order. */
  readonly models = computed<ModelInfo[]>(() => this.state()?.items ?? []);
  /** The setting `default_model`; null until loaded. */
  readonly defaultModel = computed(() => this.state()?.default_model ?? null);
  readonly loaded = computed(() => this.state() !== null);

  constructor() {
    inject(AuthStore).loggedIn$.subscribe((loggedIn) => {
      if (!loggedIn) {
        this.loading?.unsubscribe();
        this.loading = null;
        this.state.set(null);
      }
    });
  }

  /** Loads the list unless it is loaded or loading; `force` loads it again. */
  load(force = false): void {
    if (!force && (this.state() !== null || this.loading)) {
      return;
    }
    this.loading?.unsubscribe();
    this.loading = this.api.models().subscribe({
      next: (list) => {
        this.loading = null;
        this.state.set(list);
      },
      error: () => {
        this.loading = null;
      },
    });
  }

  /** The enabled model with this id, if there is one. */
  find(id: string | null | undefined): ModelInfo | undefined {
    return id ? this.models().find((m) => m.id === id) : undefined;
  }

  /**
   * The model an answer in a chat set to `chosen` goes to: that one while it
   * is enabled, else the default (as the API does).
   */
  effective(chosen: string | null | undefined): string | null {
    if (!this.loaded()) {
      return chosen ?? null;
    }
    return this.find(chosen)?.id ?? this.defaultModel();
  }
}
