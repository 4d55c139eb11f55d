import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { AI_PROVIDER, type AiProvider } from './ai-provider.port';
import { AiProviders } from './ai-providers.service';
import { LocalProvider } from './local.provider';
import { OpenAiProvider } from './openai.provider';
import { TokenCounter } from './tokenizer';

/** Chooses the adapter once, from `AI_PROVIDER`. */
export function createAiProvider(
  config: AppConfig,
  tokens: TokenCounter,
): AiProvider {
  return config.ai.provider === 'openai'
    ? new OpenAiProvider(config.ai, tokens)
    : new LocalProvider(config.ai, tokens);
}

/**
 * The AI port (`AI_PROVIDER`) and the `TokenCounter`. Expects `APP_CONFIG`
 * from the global configuration module.
 */
@Module({
  providers: [
    TokenCounter,
    AiProviders,
    {
      provide: AI_PROVIDER,
      inject: [APP_CONFIG, TokenCounter],
      useFactory: createAiProvider,
    },
  ],
  exports: [AI_PROVIDER, AiProviders, TokenCounter],
})
export class AiModule {}
