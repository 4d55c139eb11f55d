import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Reservation } from '../usage/usage.service';
import type { PreparedSend } from './chat.service';
import type { StreamSlot } from './stream-slots.service';

/** What an admitted send holds, handed from QuotaGuard to the handler. */
export interface AdmittedSend {
  prepared: PreparedSend;
  slot: StreamSlot;
  reservation: Reservation;
  /** `?stream=false`: answer with JSON once complete. */
  stream: boolean;
}

/**
 * Request-scoped state of one `POST /api/chats/:id/messages`. QuotaGuard
 * fills it as it acquires the stream slot and the quota reservation; the
 * handler `take()`s them over and from then on settles and releases them.
 * Until then QuotaGuard's `close` listener gives them back if the response
 * ends (an error answered, or the client gone before the handler ran).
 */
export class SendAdmission {
  prepared?: PreparedSend;
  slot?: StreamSlot;
  reservation?: Reservation;
  stream = true;
  /** The response has closed. */
  closed = false;
  /** The handler owns the slot and the reservation. */
  taken = false;
  /** The reservation was settled (by whoever gave it back). */
  settled = false;

  /** Hands everything to the handler, once; null when the response already closed (all was given back). */
  take(): AdmittedSend | null {
    if (this.taken || this.closed) return null;
    if (!this.prepared || !this.slot || !this.reservation) return null;
    this.taken = true;
    return {
      prepared: this.prepared,
      slot: this.slot,
      reservation: this.reservation,
      stream: this.stream,
    };
  }
}

export const SEND_ADMISSION = Symbol('tally:sendAdmission');

export type RequestWithAdmission = Request & {
  [SEND_ADMISSION]?: SendAdmission;
};

/** The send QuotaGuard admitted (use with `@UseGuards(QuotaGuard)`). */
export const Admission = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): SendAdmission => {
    const req = ctx.switchToHttp().getRequest<RequestWithAdmission>();
    const admission = req[SEND_ADMISSION];
    if (!admission)
      throw new Error('@Admission() needs QuotaGuard on the route');
    return admission;
  },
);
