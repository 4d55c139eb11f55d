import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AiModule } from '../ai';
import { ModelsModule } from '../models/models.module';
import { UsageModule } from '../usage/usage.module';
import { AnswerResponder } from './answer.responder';
import { ChatAnswerService } from './chat-answer.service';
import { ChatController } from './chat.controller';
import { ChatEntity } from './chat.entity';
import { ChatService } from './chat.service';
import { ChatSendService } from './chat-send.service';
import { MessageEntity } from './message.entity';
import { QuotaGuard } from './quota.guard';

/** Chats, their messages, and streamed AI answers under the quota and the stream limit. */
@Module({
  imports: [
    TypeOrmModule.forFeature([ChatEntity, MessageEntity]),
    AiModule,
    ModelsModule,
    UsageModule,
  ],
  controllers: [ChatController],
  providers: [
    ChatService,
    ChatSendService,
    ChatAnswerService,
    AnswerResponder,
    QuotaGuard,
  ],
  exports: [ChatService],
})
export class ChatModule {}
