import { renderMarkdown } from './markdown';

/** The rendered answer, as the page would hold it. */
function rendered(source: string): HTMLElement {
  const box = document.createElement('div');
  box.innerHTML = renderMarkdown(source);
  return box;
}

describe('renderMarkdown', () => {
  it('renders Markdown, with code blocks kept as preformatted code', () => {
    const box = rendered('**bold** and `x`\n\n```ts\nconst a = 1 < 2;\n```');
    expect(box.querySelector('strong')?.textContent).toBe('bold');
    expect(box.querySelector('p code')?.textContent).toBe('x');
    const block = box.querySelector('pre > code');
    expect(block?.textContent).toBe('const a = 1 < 2;\n');
    expect(block?.className).toBe('language-ts');
  });

  it('renders tables, lists, headings, quotes and emphasis', () => {
    const box = rendered(
      [
        '## Plan',
        '',
        '| Day | Place |',
        '| --- | :---: |',
        '| 1 | *Sintra* |',
        '',
        '1. one',
        '2. two',
        '',
        '- a',
        '- [x] done',
        '- [ ] not yet',
        '',
        '> quoted ~~old~~',
      ].join('\n'),
    );
    expect(box.querySelector('h2')?.textContent).toBe('Plan');
    expect([...box.querySelectorAll('th')].map((th) => th.textContent)).toEqual(
      ['Day', 'Place'],
    );
    expect(box.querySelector('td em')?.textContent).toBe('Sintra');
    expect(box.querySelector('td[align="center"]')).not.toBeNull();
    expect(box.querySelectorAll('ol > li')).toHaveLength(2);
    expect(
      [...box.querySelectorAll('ul > li')].map((li) => li.textContent?.trim()),
    ).toEqual(['a', '☑ done', '☐ not yet']);
    expect(box.querySelector('blockquote del')?.textContent).toBe('old');
  });

  it('removes scripts, event handlers and javascript: links', () => {
    const html = renderMarkdown(
      [
        '<script>alert(1)</script>',
        '<img src="x" onerror="alert(2)">',
        'a [link](javascript:alert(3)) here',
        '<a href="javascript:alert(4)">raw</a>',
        '<a href=" JAVASCRIPT:alert(5)">spaced</a>',
      ].join('\n\n'),
    );
    expect(html).toContain('<img src="x">');
    expect(html).toContain('>link</a>');
    expect(html).not.toMatch(/<script|onerror|javascript:|href/i);
  });

  it('drops what could cover the page or pose as part of it: styles, forms, frames, embeds, page classes', () => {
    const box = rendered(
      [
        '<div style="position:fixed;inset:0;z-index:9999" class="cdk-overlay-pane" id="main">Your session expired</div>',
        '<form action="https://evil.example/login" method="post"><input name="password" type="password"><button>Sign in</button><textarea></textarea><select><option>a</option></select></form>',
        '<iframe src="https://evil.example"></iframe>',
        '<object data="x.swf"></object><embed src="x.swf">',
        '<svg><rect width="100" height="100"/></svg><math><mi>x</mi></math>',
        '<link rel="stylesheet" href="https://evil.example/a.css"><meta http-equiv="refresh" content="0;url=https://evil.example"><base href="https://evil.example/">',
        '<span style="color:red" class="mat-mdc-button" data-x="1" aria-hidden="true">plain</span>',
        '<p><code class="x language-ts">code</code></p>',
      ].join('\n\n'),
    );
    expect(box.textContent).toContain('Your session expired');
    expect(box.textContent).toContain('plain');
    expect(
      box.querySelectorAll('[style], [class], [id], [data-x], [aria-hidden]'),
    ).toHaveLength(0);
    expect(
      box.querySelector(
        'form, input, button, textarea, select, option, iframe, object, embed, svg, math, link, meta, base',
      ),
    ).toBeNull();
    expect(box.innerHTML).not.toMatch(/evil\.example|position|z-index/);
  });

  it('keeps http, https and mailto links, opened in a new tab without the opener; other links become text', () => {
    const box = rendered(
      '[docs](https://example.com) [plain](http://example.org/a?b=1) [mail](mailto:a@example.com) [data](data:text/html;base64,PHA+) [rel](/api/chats) [ftp](ftp://example.com/x)',
    );
    const links = [...box.querySelectorAll('a')];
    expect(links.map((a) => [a.textContent, a.getAttribute('href')])).toEqual([
      ['docs', 'https://example.com'],
      ['plain', 'http://example.org/a?b=1'],
      ['mail', 'mailto:a@example.com'],
      ['data', null],
      ['rel', null],
      ['ftp', null],
    ]);
    for (const link of links.slice(0, 3)) {
      expect(link.getAttribute('target')).toBe('_blank');
      expect(link.getAttribute('rel')).toBe('noopener noreferrer');
    }
    expect(links[3].getAttribute('target')).toBeNull();
  });
});
