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

/**
 * helmet with Tally's choices: the CSP above, `X-Frame-Options: DENY`,
 * `Referrer-Policy: no-referrer`, `nosniff` (helmet's default). No
 * Strict-Transport-Security: TLS ends at the proxy in front of Tally, which
 * is the one to send it (docs/operations.md).
 */
export function securityHeaders() {
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
