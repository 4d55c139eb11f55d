import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  Injectable,
} from '@nestjs/common';
import type { Response } from 'express';
import { ClientGoneError } from '../usage/admission.service';
import { Clock } from '../usage/clock';
import { openAiError } from './openai-error';

/** Every error of `/v1` leaves in OpenAI's shape (the one place it is turned into HTTP). */
@Catch()
@Injectable()
export class OpenAiErrorFilter implements ExceptionFilter {
  constructor(private readonly clock: Clock) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent || exception instanceof ClientGoneError) {
      if (!res.writableEnded) res.end();
      return;
    }
    const { status, body, headers } = openAiError(exception, this.clock.now());
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.status(status).json(body);
  }
}
