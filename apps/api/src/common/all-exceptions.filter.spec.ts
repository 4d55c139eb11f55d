import { QueryFailedError } from 'typeorm';
import { AllExceptionsFilter } from './all-exceptions.filter';

const failed = (code: string) =>
  new QueryFailedError('SELECT 1', [], Object.assign(new Error('x'), { code }));

describe('AllExceptionsFilter', () => {
  const filter = new AllExceptionsFilter();

  it.each([
    ['22P02', 'invalid text representation'],
    ['22001', 'value too long'],
    ['22021', 'a NUL character in text'],
  ])(
    'answers a database error %s (%s) as 400, the caller’s mistake',
    (code) => {
      expect(filter.describe(failed(code))).toEqual({
        status: 400,
        body: {
          statusCode: 400,
          error: 'Bad Request',
          code: 'VALIDATION_FAILED',
          message: ['invalid value'],
        },
        headers: {},
      });
    },
  );

  it('answers any other database error as 500 without its details', () => {
    const { status, body } = filter.describe(failed('42P01'));
    expect(status).toBe(500);
    expect(JSON.stringify(body)).not.toContain('SELECT');
  });
});
