import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Model, ModelList } from '@tally/api-contract';
import {
  ApiAdmin,
  ApiBadInput,
  ApiNotFound,
  ErrorDto,
} from '../../common/api-docs';
import { Roles } from '../../common/decorators';
import {
  CreateModelDto,
  ModelDto,
  ModelListDto,
  UpdateModelDto,
} from '../models/dto/model.dto';
import { ModelsService } from '../models/models.service';

@ApiTags('admin')
@ApiBadInput()
@ApiAdmin()
@Roles('admin')
@Controller('admin/models')
export class AdminModelsController {
  constructor(private readonly models: ModelsService) {}

  @Get()
  @ApiOperation({
    summary: 'List models, disabled ones included',
    operationId: 'listAdminModels',
  })
  @ApiOkResponse({ type: ModelListDto })
  async list(): Promise<ModelList> {
    return { items: await this.models.list() };
  }

  @Post()
  @ApiOperation({ summary: 'Publish a model', operationId: 'createModel' })
  @ApiCreatedResponse({ type: ModelDto })
  @ApiNotFound('connection')
  @ApiConflictResponse({
    type: ErrorDto,
    description: '`MODEL_EXISTS`: the id is taken',
  })
  create(@Body() dto: CreateModelDto): Promise<Model> {
    return this.models.create(dto);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a model', operationId: 'updateModel' })
  @ApiOkResponse({ type: ModelDto })
  @ApiNotFound('model or connection')
  @ApiConflictResponse({
    type: ErrorDto,
    description: '`MODEL_IS_DEFAULT`: the default model cannot be disabled',
  })
  update(@Param('id') id: string, @Body() dto: UpdateModelDto): Promise<Model> {
    return this.models.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a model',
    description: 'Past usage keeps the model’s id.',
    operationId: 'deleteModel',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFound('model')
  @ApiConflictResponse({ type: ErrorDto, description: '`MODEL_IS_DEFAULT`' })
  remove(@Param('id') id: string): Promise<void> {
    return this.models.remove(id);
  }
}
