import { Module } from '@nestjs/common';
import { AiModule } from '../ai';
import { ModelsModule } from '../models/models.module';
import { UsageModule } from '../usage/usage.module';
import { CompletionService } from './completion.service';
import { GatewayController } from './gateway.controller';
import { GatewayService } from './gateway.service';
import { OpenAiErrorFilter } from './openai-error.filter';
import { OpenAiResponder } from './openai.responder';
import { RequestLogRetention } from './request-log-retention.service';
import { RequestLogService } from './request-log.service';

/**
 * The OpenAI-compatible endpoint (`/v1`) and its request log. Admits
 * through the usage module's lease like a chat send, and streams from the
 * models' providers.
 */
@Module({
  imports: [AiModule, ModelsModule, UsageModule],
  controllers: [GatewayController],
  providers: [
    GatewayService,
    CompletionService,
    OpenAiResponder,
    OpenAiErrorFilter,
    RequestLogService,
    RequestLogRetention,
  ],
  exports: [RequestLogService],
})
export class GatewayModule {}
