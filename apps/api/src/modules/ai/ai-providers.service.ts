import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import type { AiProvider, AiTarget } from './ai-provider.port';
import { CappedProvider } from './capped.provider';
import { LocalProvider } from './local.provider';
import { OpenAiProvider } from './openai.provider';
import { TokenCounter } from './tokenizer';

/**
 * Builds the adapter of each model's connection. Callers hand over an
 * `AiTarget` and get an `AiProvider`: nothing outside `ai/` knows which
 * adapter runs. Every adapter comes wrapped in the hard output cap.
 */
@Injectable()
export class AiProviders {
  private readonly logger = new Logger('AiProviders');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tokens: TokenCounter,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  for(target: AiTarget): AiProvider {
    const model = target.modelId;
    return new CappedProvider(this.adapter(target), this.tokens, {
      cut: () => {
        this.metrics?.aiCutAtCap.inc({ model });
        this.logger.warn(
          `Model "${model}" did not stop at the output cap: the answer was cut there`,
        );
      },
      excess: (excess, reported, cap) => {
        this.metrics?.aiExcessTokens.inc({ model }, excess);
        this.logger.warn(
          `Model "${model}" reported ${reported} completion tokens for an output cap of ${cap}: charged ${cap}, ${excess} not charged`,
        );
      },
      overHold: (kind, excess) => {
        this.metrics?.aiUsageOverHold.inc({ kind }, excess);
        if (kind === 'prompt')
          this.logger.warn(
            `Model "${model}" reported ${excess} prompt tokens more than the prompt estimate held: charged the estimate`,
          );
      },
    });
  }

  /** The provider's model list (`GET /models`); the local model lists itself. Throws AiProviderError/AiTimeoutError. */
  async listModels(target: AiTarget): Promise<string[]> {
    if (target.kind === 'local') return [target.upstreamModel];
    return this.openAi(target).listModels();
  }

  private adapter(target: AiTarget): AiProvider {
    return target.kind === 'local'
      ? new LocalProvider(
          { ...this.config.ai, model: target.upstreamModel },
          this.tokens,
        )
      : this.openAi(target);
  }

  private openAi(target: AiTarget): OpenAiProvider {
    return new OpenAiProvider(
      {
        baseUrl: target.baseUrl,
        apiKey: target.apiKey,
        model: target.upstreamModel,
        modelId: target.modelId,
        tokenParameter: target.tokenParameter,
        timeoutMs: target.timeoutMs,
      },
      this.tokens,
    );
  }
}
