import { type FakeOpenAi, startFakeOpenAi } from './fake-openai-server';
import { startTestApp, type TestApp, type TestAppOptions } from './test-app';

export interface FakeAiApp {
  t: TestApp;
  fake: FakeOpenAi;
  /** Stops the app, then the fake server. */
  close(): Promise<void>;
}

/**
 * The API with `AI_PROVIDER=openai` pointed at a fresh fake OpenAI-compatible
 * server (`fake.reset()` it in `beforeEach`); `opts.env` comes on top.
 */
export async function startWithFakeAi(
  opts: TestAppOptions = {},
): Promise<FakeAiApp> {
  const fake = await startFakeOpenAi();
  let t: TestApp;
  try {
    t = await startTestApp({
      ...opts,
      env: { AI_PROVIDER: 'openai', AI_BASE_URL: fake.url, ...opts.env },
    });
  } catch (err) {
    await fake.close();
    throw err;
  }
  return {
    t,
    fake,
    async close() {
      await t.close();
      await fake.close();
    },
  };
}
