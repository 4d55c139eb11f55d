/**
 * What a failed connection test says, in the page's language: the API
 * answers `{ok: false, error}` with an English sentence that names the
 * provider's host and quotes the network's own error; the page says what
 * kind of failure it was (and the HTTP status or the time waited), never
 * the address or the quote.
 */
export interface TestFailure {
  /** Translation key under `admin.connections.testError`. */
  key: string;
  params: Record<string, number>;
}

const KEY = 'admin.connections.testError';

/** The shapes of the API's test errors (see the API's openai.provider.ts), most specific first. */
const SHAPES: {
  pattern: RegExp;
  failure: (m: RegExpMatchArray) => TestFailure;
}[] = [
  {
    pattern: /redirect \(HTTP (\d{3})\)/,
    failure: (m) => at('redirect', { status: Number(m[1]) }),
  },
  {
    pattern: /over 1 MiB/,
    failure: () => at('tooLarge'),
  },
  {
    pattern: /answered HTTP (\d{3})/,
    failure: (m) => {
      const status = Number(m[1]);
      if (status === 401 || status === 403) {
        return at('refusedKey', { status });
      }
      return status === 404
        ? at('noModelList', { status })
        : at('http', { status });
    },
  },
  {
    pattern: /not JSON/,
    failure: () => at('notJson'),
  },
  {
    pattern: /sent no model list/,
    failure: () => at('noList'),
  },
  {
    pattern: /within (\d+) ms/,
    failure: (m) =>
      at('timeout', { seconds: Math.max(1, Math.round(Number(m[1]) / 1000)) }),
  },
  {
    pattern: /could not be reached/,
    failure: () => at('unreachable'),
  },
];

function at(reason: string, params: Record<string, number> = {}): TestFailure {
  return { key: `${KEY}.${reason}`, params };
}

export function connectionTestFailure(error: string): TestFailure {
  for (const { pattern, failure } of SHAPES) {
    const match = error.match(pattern);
    if (match) {
      return failure(match);
    }
  }
  return at('other');
}
