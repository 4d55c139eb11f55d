import { Test } from '@nestjs/testing';
import {
  APP_CONFIG,
  type AppConfig,
  type AiConfig,
} from '../../config/app-config';
import { startFakeOpenAi } from '../../../test/support/fake-openai-server';
import {
  AI_PROVIDER,
  type AiProvider,
  type AiStreamEvent,
} from './ai-provider.port';
import { AiModule } from './ai.module';
import { LocalProvider } from './local.provider';
import { OpenAiProvider } from './openai.provider';
import { TokenCounter } from './tokenizer';

const ai = (overrides: Partial<AiConfig>): AiConfig => ({
  provider: 'local',
  baseUrl: 'http://127.0.0.1:11434/v1',
  apiKey: null,
  model: 'tally-local',
  timeoutMs: 2000,
  systemPrompt: null,
  maxOutputTokens: 1024,
  contextTokens: 8192,
  localDelayMs: 0,
  ...overrides,
});

async function resolve(
  config: AiConfig,
): Promise<{ provider: AiProvider; tokens: TokenCounter }> {
  // As in the app: `APP_CONFIG` comes from a global module that AiModule does not import.
  const moduleRef = await Test.createTestingModule({
    imports: [
      {
        module: class TestConfigModule {},
        global: true,
        providers: [
          { provide: APP_CONFIG, useValue: { ai: config } as AppConfig },
        ],
        exports: [APP_CONFIG],
      },
      AiModule,
    ],
  }).compile();
  return {
    provider: moduleRef.get<AiProvider>(AI_PROVIDER),
    tokens: moduleRef.get(TokenCounter),
  };
}

async function collect(provider: AiProvider): Promise<AiStreamEvent[]> {
  const events: AiStreamEvent[] = [];
  for await (const event of provider.stream({
    messages: [{ role: 'user', content: 'ping' }],
    maxOutputTokens: 50,
    promptTokens: 10,
    signal: new AbortController().signal,
  })) {
    events.push(event);
  }
  return events;
}

describe('AiModule', () => {
  it('provides the built-in local model by default, and the token counter', async () => {
    const { provider, tokens } = await resolve(ai({}));
    expect(provider).toBeInstanceOf(LocalProvider);
    expect(provider.name).toBe('local');
    expect(tokens).toBeInstanceOf(TokenCounter);
    const events = await collect(provider);
    expect(events[events.length - 1]).toMatchObject({
      type: 'usage',
      usage: { estimated: false },
    });
  });

  it('provides the OpenAI-compatible client when AI_PROVIDER=openai', async () => {
    const fake = await startFakeOpenAi();
    try {
      const { provider } = await resolve(
        ai({ provider: 'openai', baseUrl: fake.url, model: 'gpt-test' }),
      );
      expect(provider).toBeInstanceOf(OpenAiProvider);
      expect(provider.name).toBe('openai');
      const events = await collect(provider);
      expect(
        events
          .filter((e) => e.type === 'delta')
          .map((e) => (e.type === 'delta' ? e.content : '')),
      ).toEqual(['Echo:', ' ping']);
      expect(fake.requests[0].body.model).toBe('gpt-test');
    } finally {
      await fake.close();
    }
  });
});
