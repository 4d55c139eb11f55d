import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  afterRenderEffect,
  computed,
  inject,
  input,
  viewChild,
} from '@angular/core';
import { MatProgressSpinnerModule } from '@angular/material/progress-spinner';
import { TranslatePipe, TranslateService } from '@ngx-translate/core';
import type { Message, ModelInfo } from '@tally/api-contract';
import { LocalDateTimePipe } from '../../core/i18n/format';
import { LanguageService } from '../../core/i18n/language.service';
import { shownName } from '../../shared/built-in-names';
import { CostPipe, isFree } from '../../shared/money';
import { ModelsStore } from '../data-access/models.store';
import { MarkdownView } from './markdown';

/**
 * Whether an answer shows what it cost: when it has a cost and the model
 * that gave it has a price (or, gone from the list since, it cost something).
 */
export function costShown(
  message: Message,
  model: ModelInfo | undefined,
): boolean {
  const cost = message.cost ?? null;
  if (message.role !== 'assistant' || cost === null) {
    return false;
  }
  return cost > 0 || (!!model && !isFree(model));
}

/** A message as the page shows it. */
export interface MessageView {
  message: Message;
  /** The name of the model that answered (assistant messages). */
  modelName: string | null;
  /** The answer's cost in micro-dollars, when it is to be shown. */
  cost: number | null;
}

/**
 * The conversation: each message with its time, the model that answered and
 * what it cost, and the answer streaming in; kept scrolled to the end.
 */
@Component({
  selector: 'app-message-list',
  imports: [
    MatProgressSpinnerModule,
    TranslatePipe,
    LocalDateTimePipe,
    CostPipe,
    MarkdownView,
  ],
  templateUrl: './message-list.html',
  styleUrl: './message-list.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class MessageList {
  readonly messages = input.required<Message[]>();
  readonly loading = input(false);
  readonly streaming = input(false);
  /** The answer so far, while it streams in. */
  readonly streamText = input('');

  private readonly models = inject(ModelsStore);
  private readonly translate = inject(TranslateService);
  private readonly language = inject(LanguageService);
  private readonly scroller = viewChild<ElementRef<HTMLElement>>('scroller');

  protected readonly views = computed<MessageView[]>(() => {
    this.models.models();
    this.language.lang();
    return this.messages().map((message) => {
      const model = this.models.find(message.model);
      return {
        message,
        modelName:
          message.role === 'assistant' && message.model
            ? model
              ? shownName(this.translate, model)
              : message.model
            : null,
        cost: costShown(message, model) ? (message.cost ?? null) : null,
      };
    });
  });

  constructor() {
    afterRenderEffect(() => {
      this.messages();
      this.streamText();
      const el = this.scroller()?.nativeElement;
      if (el) {
        el.scrollTop = el.scrollHeight;
      }
    });
  }
}
