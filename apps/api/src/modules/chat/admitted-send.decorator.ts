import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest as Request } from 'fastify';
import type { AdmittedSend } from './answer-events';

export const ADMITTED_SEND = Symbol('tally:admittedSend');

export type RequestWithAdmittedSend = Request & {
  [ADMITTED_SEND]?: AdmittedSend;
};

/** The send QuotaGuard admitted (use with `@UseGuards(QuotaGuard)`). */
export const Admitted = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AdmittedSend => {
    const req = ctx.switchToHttp().getRequest<RequestWithAdmittedSend>();
    const send = req[ADMITTED_SEND];
    if (!send) throw new Error('@Admitted() needs QuotaGuard on the route');
    return send;
  },
);
