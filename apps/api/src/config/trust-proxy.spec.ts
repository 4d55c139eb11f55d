import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, trustProxy } from './app-config';

describe('TRUST_PROXY', () => {
  it('believes nobody by default: the socket address is the client', () => {
    expect(trustProxy({})).toBe(false);
    expect(trustProxy({ TRUST_PROXY: '' })).toBe(false);
    expect(trustProxy({ TRUST_PROXY: '0' })).toBe(false);
    expect(trustProxy({ TRUST_PROXY: 'false' })).toBe(false);
  });

  it('takes a hop count, names, addresses and CIDRs', () => {
    expect(trustProxy({ TRUST_PROXY: '2' })).toBe(2);
    expect(trustProxy({ TRUST_PROXY: 'loopback' })).toEqual(['loopback']);
    expect(
      trustProxy({ TRUST_PROXY: 'loopback, 10.0.0.0/8,192.168.1.5, fd00::/8' }),
    ).toEqual(['loopback', '10.0.0.0/8', '192.168.1.5', 'fd00::/8']);
  });

  it('refuses anything else, naming the variable', () => {
    for (const bad of [
      'true',
      'everyone',
      '10.0.0.0/33',
      '300.1.1.1',
      '1.2.3.4/8/1',
      '101',
      '-1',
    ]) {
      expect(() => trustProxy({ TRUST_PROXY: bad })).toThrow(ConfigError);
      expect(() => trustProxy({ TRUST_PROXY: bad })).toThrow(/TRUST_PROXY/);
    }
  });

  it('is part of the configuration, with REGISTER_MAX_PER_HOUR (default 10)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-config-'));
    const c = loadConfig({ DATA_DIR: dir, TRUST_PROXY: '1' });
    expect(c.trustProxy).toBe(1);
    expect(c.auth.registerMaxPerHour).toBe(10);
    expect(
      loadConfig({ DATA_DIR: dir, REGISTER_MAX_PER_HOUR: '50' }).auth
        .registerMaxPerHour,
    ).toBe(50);
    expect(() =>
      loadConfig({ DATA_DIR: dir, REGISTER_MAX_PER_HOUR: '0' }),
    ).toThrow(/REGISTER_MAX_PER_HOUR/);
  });
});
