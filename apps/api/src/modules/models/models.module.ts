import { Module } from '@nestjs/common';
import { AiModule } from '../ai';
import { ConnectionsService } from './connections.service';
import { ModelCatalog } from './model-catalog';
import { ModelsController } from './models.controller';
import { ModelsService } from './models.service';

/**
 * Connections to AI providers (keys encrypted), the model catalog with its
 * prices, and which adapter answers a model. Expects the global database,
 * settings and configuration modules.
 */
@Module({
  imports: [AiModule],
  controllers: [ModelsController],
  providers: [ConnectionsService, ModelsService, ModelCatalog],
  exports: [ConnectionsService, ModelsService],
})
export class ModelsModule {}
