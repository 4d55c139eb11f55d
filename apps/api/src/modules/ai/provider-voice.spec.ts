import { ProviderVoice } from './provider-voice';

const KEY = 'sk-secret-0123456789';

describe('ProviderVoice', () => {
  const voice = new ProviderVoice(
    'http://user:pw@llm.internal:8000/v1/chat/completions',
    'strong',
    KEY,
  );

  it('names the host and model in the log, only the model in the answer', () => {
    const err = voice.error(
      'answered HTTP 503: busy',
      'failed (HTTP 503)',
      503,
    );
    expect(err.message).toBe(
      'AI provider at llm.internal:8000 (model "strong") answered HTTP 503: busy',
    );
    expect(err.message).not.toContain('pw');
    expect(err.publicMessage).toBe('The AI model "strong" failed (HTTP 503)');
    expect(err.upstreamStatus).toBe(503);
  });

  it('quotes what the provider said on one short line, without credentials', () => {
    expect(voice.excerpt(`bad key ${KEY}\n  and Bearer abc.def`)).toBe(
      'bad key *** and Bearer ***',
    );
    expect(voice.excerpt('   ')).toBe('(empty body)');
    expect(voice.excerpt('x'.repeat(300))).toBe(`${'x'.repeat(200)}…`);
  });

  it('names the causes of a network error', () => {
    const err = Object.assign(new Error('fetch failed'), {
      cause: new Error('connect ECONNREFUSED 127.0.0.1:9'),
    });
    expect(voice.describe(err)).toBe(
      'fetch failed: connect ECONNREFUSED 127.0.0.1:9',
    );
  });

  it('keeps what the provider sent out of the admin text and the answer, in the log only', () => {
    const err = voice.error('answered HTTP 500', 'failed (HTTP 500)', 500, {
      quote: 'db_password=hunter2',
    });
    expect(err.message).toBe(
      'AI provider at llm.internal:8000 (model "strong") answered HTTP 500: db_password=hunter2',
    );
    expect(err.adminMessage).toBe(
      'AI provider at llm.internal:8000 (model "strong") answered HTTP 500',
    );
    expect(err.publicMessage).toBe('The AI model "strong" failed (HTTP 500)');
  });

  it('tells a redirect as one, naming its status', () => {
    const err = voice.redirect(302, 'GET /models');
    expect(err.upstreamStatus).toBe(302);
    expect(err.adminMessage).toContain(
      'the server answered with a redirect (HTTP 302)',
    );
    expect(err.publicMessage).toBe(
      'The AI model "strong" failed: the server answered with a redirect (HTTP 302)',
    );
  });
});
