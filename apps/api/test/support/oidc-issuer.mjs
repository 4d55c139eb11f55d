// A real OpenID provider (oidc-provider) on loopback, for the single sign-on
// specs. oidc-provider is an ES module, which Jest does not load: the specs
// run this file with node as a child process (see oidc-issuer.ts).
//
// Environment: CLIENT_ID, CLIENT_SECRET, REDIRECT_URI. Prints one line of
// JSON, {"port": N}, once it listens on 127.0.0.1.
//
// The accounts are the test's: PUT /__accounts/<id> with the claims (email,
// email_verified, name, groups) makes or replaces one. The sign-in form of
// devInteractions takes any account id as its login.
import http from 'node:http';
import Provider from 'oidc-provider';

const accounts = new Map();

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.CLIENT_ID,
      client_secret: process.env.CLIENT_SECRET,
      redirect_uris: [process.env.REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  features: { devInteractions: { enabled: true } },
  // Email and groups in the ID token too, as many providers put them there.
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'groups'],
  },
  cookies: { keys: ['tally-test-issuer-cookie-key'] },
  async findAccount(_ctx, id) {
    if (!accounts.has(id)) return undefined;
    return {
      accountId: id,
      claims: async () => ({ sub: id, ...accounts.get(id) }),
    };
  },
});
const handle = provider.callback();

server.on('request', (req, res) => {
  const m = /^\/__accounts\/([^/?]+)$/.exec(req.url ?? '');
  if (m && req.method === 'PUT') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      accounts.set(decodeURIComponent(m[1]), JSON.parse(body));
      res.writeHead(204).end();
    });
    return;
  }
  handle(req, res);
});

process.stdout.write(`${JSON.stringify({ port })}\n`);
