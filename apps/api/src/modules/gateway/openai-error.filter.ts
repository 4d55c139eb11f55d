import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  Injectable,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ClientGoneError } from '../usage/admission.service';
import { Clock } from '../usage/clock';
import { openAiError } from './openai-error';

/** Every error of `/v1` leaves in OpenAI's shape (the one place it is turned into HTTP). */
@Catch()
@Injectable()
export class OpenAiErrorFilter implements ExceptionFilter {
  constructor(private readonly clock: Clock) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<FastifyReply>();
    if (
      res.sent ||
      res.raw.headersSent ||
      exception instanceof ClientGoneError
    ) {
      if (!res.raw.writableEnded) res.raw.end();
      return;
    }
    const { status, body, headers } = openAiError(exception, this.clock.now());
    void res.headers(headers).code(status).send(body);
  }
}
