import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiFoundResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthResponse, SsoStatus } from '@tally/api-contract';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiBadInput, ApiDatabase, ErrorDto } from '../../common/api-docs';
import { Public } from '../../common/decorators';
import { AuthResponseDto } from '../auth/dto/auth-response.dto';
import { SsoExchangeDto, SsoLoginQueryDto, SsoStatusDto } from './dto/sso.dto';
import { readCookie, stateCookie } from './sso-cookie';
import { SsoService } from './sso.service';

const NOT_CONFIGURED = {
  type: ErrorDto,
  description: 'Single sign-on is not configured',
};

@ApiTags('auth')
@ApiBadInput()
@Controller('auth/sso')
export class SsoController {
  constructor(private readonly sso: SsoService) {}

  @Public()
  @Get()
  @ApiOkResponse({ type: SsoStatusDto })
  @ApiOperation({
    operationId: 'ssoStatus',
    summary: 'Whether single sign-on and password sign-in are offered',
    description: 'For the sign-in page. No authentication.',
  })
  status(): SsoStatus {
    return this.sso.status();
  }

  @Public()
  @Get('login')
  @ApiFoundResponse({
    description:
      "To the provider's authorization endpoint (code flow with PKCE S256, `state` and `nonce`); sets a short-lived cookie that ties the return to this browser",
  })
  @ApiNotFoundResponse(NOT_CONFIGURED)
  @ApiBadGatewayResponse({
    type: ErrorDto,
    description:
      "`SSO_FAILED`: the provider's discovery document cannot be read (the reason is in the log)",
  })
  @ApiDatabase()
  @ApiOperation({
    operationId: 'ssoLogin',
    summary: 'Start a single sign-on',
  })
  async login(
    @Query() query: SsoLoginQueryDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { url, state } = await this.sso.begin(query.return_to);
    const cookie = stateCookie(state, this.sso.secureCookies());
    await reply
      .status(302)
      .header('cache-control', 'no-store')
      .header('set-cookie', cookie)
      .header('location', url)
      .send();
  }

  @Public()
  @Get('callback')
  @ApiFoundResponse({
    description:
      'To `/sso#code=<one-time code>` (the web app), or to `/login?sso_error=<CODE>`',
  })
  @ApiNotFoundResponse(NOT_CONFIGURED)
  @ApiQuery({ name: 'code', required: false, type: String })
  @ApiQuery({ name: 'state', required: false, type: String })
  @ApiOperation({
    operationId: 'ssoCallback',
    summary: "The provider's return",
    description:
      "Takes the provider's parameters as it sends them (`code`, `state`, `iss`, `error`, …). " +
      'Checks state, nonce, issuer, audience, signature and expiry; finds or creates the user.',
  })
  async callback(
    // The provider's parameters vary (`iss`, `session_state`, `scope`, …): read from the URL as sent.
    @Query() _params: Record<string, unknown>,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const location = await this.sso.finish(
      readCookie(req.headers.cookie),
      req.originalUrl ?? req.url,
    );
    await reply
      .status(302)
      .header('cache-control', 'no-store')
      .header('set-cookie', stateCookie('', this.sso.secureCookies()))
      .header('location', location)
      .send();
  }

  @Public()
  @Post('exchange')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: AuthResponseDto })
  @ApiBadRequestResponse({
    type: ErrorDto,
    description:
      '`SSO_CODE_INVALID`: the code is unknown, was used, or is older than 60 seconds',
  })
  @ApiNotFoundResponse(NOT_CONFIGURED)
  @ApiDatabase()
  @ApiOperation({
    operationId: 'ssoExchange',
    summary: 'Trade a one-time code for an access token',
  })
  exchange(@Body() dto: SsoExchangeDto): Promise<AuthResponse> {
    return this.sso.exchange(dto.code);
  }
}
