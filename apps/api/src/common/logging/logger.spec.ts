import { loadConfig } from '../../config/app-config';
import { createLogger } from './logger';

/** A stand-in for standard output that keeps what is written. */
function output(isTTY: boolean) {
  const lines: string[] = [];
  const out = {
    isTTY,
    write: (chunk: string) => lines.push(chunk) > 0,
  } as unknown as NodeJS.WriteStream;
  return { out, text: () => lines.join('') };
}

describe('createLogger', () => {
  it('writes JSON lines, without secrets in headers or bodies', () => {
    const { out, text } = output(false);
    const logger = createLogger({ logLevel: 'log', logFormat: 'json' }, out);
    logger.info(
      {
        req: { headers: { authorization: 'Bearer s3cret-token' } },
        body: { password: 'hunter2-password', name: 'Ann' },
        context: 'Test',
      },
      'hello',
    );
    logger.debug('not at this level');
    const [line, ...rest] = text().trim().split('\n');
    expect(rest).toEqual([]);
    const parsed = JSON.parse(line);
    expect(parsed).toMatchObject({
      level: 'info',
      msg: 'hello',
      context: 'Test',
      body: { name: 'Ann', password: '[redacted]' },
      req: { headers: { authorization: '[redacted]' } },
    });
    expect(text()).not.toMatch(/s3cret-token|hunter2/);
  });

  it('writes text in colour on a terminal only', () => {
    const file = output(false);
    createLogger({ logLevel: 'log', logFormat: 'text' }, file.out).warn(
      { context: 'Test' },
      'plain words',
    );
    expect(file.text()).toContain('[Test] plain words');
    expect(file.text()).not.toContain('\u001b[');

    const tty = output(true);
    createLogger({ logLevel: 'log', logFormat: 'text' }, tty.out).warn(
      'coloured words',
    );
    expect(tty.text()).toContain('coloured words');
    expect(tty.text()).toContain('\u001b[');
  });

  it('defaults to JSON in production and to text elsewhere', () => {
    const base = { JWT_SECRET: 'x'.repeat(32), DATA_DIR: '/tmp/tally-none' };
    expect(loadConfig({ ...base, NODE_ENV: 'production' }).logFormat).toBe(
      'json',
    );
    expect(loadConfig({ ...base, NODE_ENV: 'development' }).logFormat).toBe(
      'text',
    );
    expect(
      loadConfig({ ...base, NODE_ENV: 'production', LOG_FORMAT: 'text' })
        .logFormat,
    ).toBe('text');
    expect(() => loadConfig({ ...base, LOG_FORMAT: 'xml' })).toThrow(
      /LOG_FORMAT/,
    );
  });
});
