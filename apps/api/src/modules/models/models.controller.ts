import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ModelInfoList } from '@tally/api-contract';
import { ApiAuth, ApiBadInput } from '../../common/api-docs';
import { ModelInfoListDto } from './dto/model.dto';
import { ModelsService } from './models.service';

@ApiTags('models')
@ApiAuth()
@ApiBadInput()
@Controller('models')
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  @Get()
  @ApiOperation({
    summary: 'The enabled models and the default one',
    operationId: 'listModels',
  })
  @ApiOkResponse({ type: ModelInfoListDto })
  list(): Promise<ModelInfoList> {
    return this.models.listEnabled();
  }
}
