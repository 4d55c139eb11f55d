import type {
  DeltaEventData,
  DoneEventData,
  ErrorEventData,
  Message,
  Quota,
} from '@tally/api-contract';
import type { Lease } from '../usage/lease';
import type { PreparedSend } from './chat-send.service';
import type { AnswerLanguage } from '../ai';

/** A send QuotaGuard admitted, handed to the answer. */
export interface AdmittedSend {
  /** The slot and the reservation, until the answer settles them. */
  lease: Lease;
  prepared: PreparedSend;
  /** False with `?stream=false`: answer with JSON once complete. */
  stream: boolean;
  /** The user's language, from `Accept-Language` (the local model answers in it). */
  language: AnswerLanguage;
  /** Fires when the client leaves. */
  signal: AbortSignal;
}

/**
 * What an answer says, in order: the contract's events (API.md "Sending a
 * message"). An `error` also carries what to answer instead when nothing
 * was written yet (its HTTP exception, and the quota for the RateLimit
 * headers when it has one).
 */
export type AnswerEvent =
  | { event: 'user_message'; data: Message }
  | { event: 'delta'; data: DeltaEventData }
  | { event: 'done'; data: DoneEventData }
  | {
      event: 'error';
      data: ErrorEventData;
      cause: unknown;
      quota: Quota | null;
    };
