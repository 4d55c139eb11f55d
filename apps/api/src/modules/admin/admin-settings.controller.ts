import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Settings } from '@tally/api-contract';
import { ApiAdmin, ApiBadInput } from '../../common/api-docs';
import { Roles } from '../../common/decorators';
import { ModelsService } from '../models/models.service';
import { SettingsService } from '../settings/settings.service';
import {
  SettingsDto,
  UpdateSettingsDto,
} from '../settings/dto/update-settings.dto';

@ApiTags('admin')
@ApiBadInput()
@ApiAdmin()
@Roles('admin')
@Controller('admin/settings')
export class AdminSettingsController {
  constructor(
    private readonly settings: SettingsService,
    private readonly models: ModelsService,
  ) {}

  @Get()
  @ApiOkResponse({ type: SettingsDto })
  @ApiOperation({ operationId: 'getSettings', summary: 'The settings' })
  get(): Promise<Settings> {
    return this.settings.get();
  }

  @Patch()
  @ApiOkResponse({ type: SettingsDto })
  @ApiOperation({ operationId: 'updateSettings', summary: 'Change settings' })
  async update(@Body() dto: UpdateSettingsDto): Promise<Settings> {
    // 400 UNKNOWN_MODEL unless the new default is an enabled model.
    if (dto.default_model !== undefined)
      await this.models.requireEnabled(dto.default_model);
    return this.settings.update(dto);
  }
}
