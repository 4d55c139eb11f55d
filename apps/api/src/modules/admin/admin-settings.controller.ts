import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Settings } from '@tally/api-contract';
import { ApiAdmin, ApiBadInput } from '../../common/api-docs';
import { Roles } from '../../common/decorators';
import { ModelsService } from '../models/models.service';
import { SettingsService } from '../settings/settings.service';
import { LimitsService } from '../usage/limits.service';
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
    private readonly limits: LimitsService,
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
    // 400 SECRETS_KEY_REQUIRED for a webhook secret without SECRETS_KEY, before any change.
    this.settings.assertStorable(dto);
    // The two defaults are the everyone daily limits: the limits own them.
    const {
      default_max_ai_messages_per_day: messages,
      default_max_ai_tokens_per_day: tokens,
      ...rest
    } = dto;
    if (messages !== undefined)
      await this.limits.setEveryoneDaily('messages', messages);
    if (tokens !== undefined)
      await this.limits.setEveryoneDaily('tokens', tokens);
    return this.settings.update(rest);
  }
}
