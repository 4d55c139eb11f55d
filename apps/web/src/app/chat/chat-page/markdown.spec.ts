import { renderMarkdown } from './markdown';

describe('renderMarkdown', () => {
  it('renders Markdown, with code blocks kept as preformatted code', () => {
    const html = renderMarkdown(
      '**bold** and `x`\n\n```ts\nconst a = 1 < 2;\n```',
    );
    const box = document.createElement('div');
    box.innerHTML = html;
    expect(box.querySelector('strong')?.textContent).toBe('bold');
    expect(box.querySelector('p code')?.textContent).toBe('x');
    const block = box.querySelector('pre > code');
    expect(block?.textContent).toBe('const a = 1 < 2;\n');
    expect(block?.className).toContain('language-ts');
  });

  it('removes scripts, event handlers and javascript: links', () => {
    const html = renderMarkdown(
      [
        '<script>alert(1)</script>',
        '<img src="x" onerror="alert(2)">',
        'a [link](javascript:alert(3)) here',
        '<iframe src="https://example.com"></iframe>',
      ].join('\n\n'),
    );
    expect(html).toContain('<img src="x">');
    expect(html).toContain('>link</a>');
    expect(html).not.toMatch(/<script|onerror|javascript:|<iframe/i);
  });

  it('opens links in a new tab without giving it the opener', () => {
    const box = document.createElement('div');
    box.innerHTML = renderMarkdown('[docs](https://example.com)');
    const link = box.querySelector('a');
    expect(link?.getAttribute('href')).toBe('https://example.com');
    expect(link?.getAttribute('target')).toBe('_blank');
    expect(link?.getAttribute('rel')).toBe('noopener noreferrer');
  });
});
