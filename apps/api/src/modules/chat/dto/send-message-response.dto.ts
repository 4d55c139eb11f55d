import { ApiInt } from '../../../common/api-docs';
import type {
  DeltaEventData,
  DoneEventData,
  ErrorEventData,
  SendMessageResponse,
  Usage,
} from '@tally/api-contract';
import { MessageDto } from './chat.dto';
import { QuotaDto } from './quota.dto';

/** Tokens charged for one answer. */
export class UsageDto implements Usage {
  @ApiInt()
  prompt_tokens!: number;
  @ApiInt()
  completion_tokens!: number;
  @ApiInt()
  total_tokens!: number;
  /** What the answer cost, in micro-dollars. */
  @ApiInt()
  cost!: number;
}

/** `?stream=false` answer. */
export class SendMessageResponseDto implements SendMessageResponse {
  user_message!: MessageDto;
  assistant_message!: MessageDto;
  usage!: UsageDto;
  /** The caller's quota once this answer was settled. */
  quota!: QuotaDto;
}

/** `data` of the `delta` event. */
export class DeltaEventDto implements DeltaEventData {
  /** The next piece of the answer's text. */
  content!: string;
}

/** `data` of the `done` event. */
export class DoneEventDto implements DoneEventData {
  assistant_message!: MessageDto;
  usage!: UsageDto;
  quota!: QuotaDto;
}

/** `data` of the `error` event: the provider failed after the stream began. */
export class ErrorEventDto implements ErrorEventData {
  /** `AI_PROVIDER_ERROR`, `AI_PROVIDER_TIMEOUT`, `DATABASE_UNAVAILABLE` (the answer could not be saved) or `INTERNAL_ERROR`. */
  code!: string;
  message!: string;
}
