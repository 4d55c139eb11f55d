import helmet from 'helmet';

/**
 * The Content-Security-Policy of every answer: scripts, styles, images,
 * fonts and requests from Tally's own origin only, no plugins, no framing.
 * Styles also allow inline `style` attributes and elements: Angular and
 * Angular Material set them on components at run time. Scripts never run
 * inline: the web build does not inline critical CSS (whose loader is an
 * inline `onload` handler), see apps/web/project.json.
 */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/** helmet with Tally's choices (see `securityHeaders`). */
export function tallyHelmet() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: CONTENT_SECURITY_POLICY,
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
  });
}

type HeaderWrites = Array<[name: string, value: string | null]>;

/**
 * What a helmet middleware does to an answer, in order: headers set (and
 * removed, `null`). With fixed options helmet's headers do not depend on the
 * request, so they can be worked out once.
 */
export function headerWritesOf(
  middleware: ReturnType<typeof helmet>,
): HeaderWrites {
  const writes: HeaderWrites = [];
  const res = {
    setHeader: (name: string, value: string) => writes.push([name, value]),
    removeHeader: (name: string) => writes.push([name, null]),
  };
  let called = false;
  middleware(
    {} as Parameters<typeof middleware>[0],
    res as unknown as Parameters<typeof middleware>[1],
    (err?: unknown) => {
      if (err) throw err;
      called = true;
    },
  );
  if (!called) throw new Error('helmet did not finish at once');
  return writes;
}

/**
 * helmet with Tally's choices: the CSP above, `X-Frame-Options: DENY`,
 * `Referrer-Policy: no-referrer`, `nosniff` (helmet's default). No
 * Strict-Transport-Security: TLS ends at the proxy in front of Tally, which
 * is the one to send it (docs/operations.md). The same headers as helmet's
 * middleware, worked out once rather than on every request (helmet runs a
 * dozen small middlewares per request).
 */
export function securityHeaders(): (
  req: unknown,
  res: {
    setHeader(name: string, value: string): unknown;
    removeHeader(name: string): unknown;
  },
  next: () => void,
) => void {
  const writes = headerWritesOf(tallyHelmet());
  return (_req, res, next) => {
    for (const [name, value] of writes) {
      if (value === null) res.removeHeader(name);
      else res.setHeader(name, value);
    }
    next();
  };
}
