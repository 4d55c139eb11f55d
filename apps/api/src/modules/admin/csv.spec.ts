import { csvCell, csvLine } from './csv';

describe('csv', () => {
  it('leaves plain cells alone', () => {
    expect(csvCell('alice@example.com')).toBe('alice@example.com');
    expect(csvCell(42)).toBe('42');
    expect(csvCell('')).toBe('');
  });

  it('quotes commas, quotes and line breaks (RFC 4180)', () => {
    expect(csvCell('Smith, Jane')).toBe('"Smith, Jane"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('a\r\nb')).toBe('"a\r\nb"');
  });

  it('defuses cells a spreadsheet would run as a formula', () => {
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('\rx')).toBe(`"'\rx"`);
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(
      `"'=HYPERLINK(""http://x"",""y"")"`,
    );
    expect(csvCell('a=b')).toBe('a=b');
  });

  it('keeps numbers as numbers', () => {
    expect(csvCell(-1)).toBe('-1');
  });

  it('joins a line with commas and ends it with CRLF', () => {
    expect(csvLine(['id', 'Doe, J', 3])).toBe('id,"Doe, J",3\r\n');
  });
});
