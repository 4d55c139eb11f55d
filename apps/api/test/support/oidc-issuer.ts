import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The claims of an account of the test provider. */
export interface IssuerAccount {
  email: string;
  email_verified?: boolean;
  name?: string;
  groups?: string[];
}

export interface OidcIssuer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Makes or replaces the account `id` (its `sub`). */
  setAccount(id: string, claims: IssuerAccount): Promise<void>;
  close(): Promise<void>;
}

/** Starts oidc-issuer.mjs (oidc-provider, an ES module) with node and waits for its port. */
export async function startOidcIssuer(client: {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}): Promise<OidcIssuer> {
  const child: ChildProcess = spawn(
    process.execPath,
    [join(__dirname, 'oidc-issuer.mjs')],
    {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        CLIENT_ID: client.clientId,
        CLIENT_SECRET: client.clientSecret,
        REDIRECT_URI: client.redirectUri,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (c) => (stderr += String(c)));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve(JSON.parse(line).port));
    child.once('exit', (code) =>
      reject(new Error(`oidc-issuer exited (${code}): ${stderr}`)),
    );
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    async setAccount(id, claims) {
      const res = await fetch(`${url}/__accounts/${encodeURIComponent(id)}`, {
        method: 'PUT',
        body: JSON.stringify(claims),
      });
      if (res.status !== 204) throw new Error(`setAccount: ${res.status}`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}
