import { UserQueue } from './user-queue';

describe('UserQueue', () => {
  const tick = () => new Promise((r) => setTimeout(r, 5));

  it("runs one user's work one at a time, in order, and other users' beside it", async () => {
    const q = new UserQueue();
    const log: string[] = [];
    const job = (name: string) => async () => {
      log.push(`${name} start`);
      await tick();
      log.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([
      q.run('u1', job('a')),
      q.run('u1', job('b')),
      q.run('u2', job('c')),
    ]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log.indexOf('b start')).toBeGreaterThan(log.indexOf('a end'));
    expect(log.indexOf('c start')).toBeLessThan(log.indexOf('a end'));
  });

  it('goes on after a failure, which only its own caller sees', async () => {
    const q = new UserQueue();
    const failed = q.run('u1', async () => {
      await tick();
      throw new Error('boom');
    });
    const next = q.run('u1', async () => 'next');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next');
  });
});
