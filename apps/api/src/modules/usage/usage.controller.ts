import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { OwnUsage } from '@tally/api-contract';
import type { AuthUser } from '../../common/auth-user';
import { ApiAuth, ApiBadInput } from '../../common/api-docs';
import { CurrentUser } from '../../common/decorators';
import { OwnUsageDto, OwnUsageQueryDto } from './dto/own-usage.dto';
import { OwnUsageService } from './own-usage.service';

@ApiTags('usage')
@ApiBadInput()
@ApiAuth()
@Controller('usage')
export class UsageController {
  constructor(private readonly own: OwnUsageService) {}

  @Get()
  @ApiOkResponse({
    type: OwnUsageDto,
    description: "The caller's settled usage per day",
  })
  @ApiOperation({
    operationId: 'getOwnUsage',
    summary: 'My usage per day over a range of days',
  })
  history(
    @CurrentUser() user: AuthUser,
    @Query() q: OwnUsageQueryDto,
  ): Promise<OwnUsage> {
    return this.own.history(user.id, q.from, q.to);
  }
}
