/**
 * The page checks themselves (support/checks.mjs), on small pages made to
 * break them: a check that cannot fail would let every page pass.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchChromium } from './support/stack.mjs';
import {
  expectAccessible,
  expectNoOverflow,
  overflowingElements,
} from './support/checks.mjs';

let browser;
let context;

before(async () => {
  browser = await launchChromium();
  context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
  });
});

after(async () => {
  await browser?.close();
});

async function pageWith(body, { width = 1280 } = {}) {
  const page = await context.newPage();
  await page.setViewportSize({ width, height: 800 });
  await page.setContent(
    `<!doctype html><html lang="en"><head><title>t</title>
     <style>body{margin:0;font:16px/1.4 sans-serif}</style></head>
     <body><main>${body}</main></body></html>`,
  );
  return page;
}

test('axe: a clean page passes, a broken one fails with the rule and the element', async () => {
  const clean = await pageWith('<h1>Hello</h1><button>Send</button>');
  await expectAccessible(clean, 'clean');

  const broken = await pageWith(
    '<h1>Hello</h1><button id="mute"></button>' +
      '<div class="log" style="height:40px;overflow-y:auto">' +
      '<p>1</p><p>2</p><p>3</p><p>4</p><p>5</p></div>',
  );
  await assert.rejects(expectAccessible(broken, 'broken page'), (error) => {
    assert.match(error.message, /^broken page: axe found/);
    assert.match(error.message, /button-name \(critical\) at #mute/);
    assert.match(
      error.message,
      /scrollable-region-focusable \(serious\) at div/,
    );
    return true;
  });
});

test('overflow: a cut box, a cut table, a cut placeholder and a sideways page are each found', async () => {
  const fits = await pageWith(
    '<p style="width:200px;overflow:hidden">short</p>' +
      '<p style="width:60px;overflow:hidden;white-space:nowrap;text-overflow:ellipsis">shortened on purpose</p>' +
      '<pre style="width:100px;overflow-x:auto">a long line that scrolls on purpose</pre>' +
      '<textarea rows="2" style="width:300px" placeholder="Fits"></textarea>',
  );
  await expectNoOverflow(fits, 'fits');

  const cut = await pageWith(
    '<div data-testid="cut" style="width:80px;overflow:hidden;white-space:nowrap">too long to fit here</div>',
  );
  await assert.rejects(
    expectNoOverflow(cut, 'cut'),
    /div\[data-testid="cut"\]: \d+px of content cut to 80px/,
  );

  const wide = await pageWith('<div style="width:1500px">wide</div>');
  assert.match(
    (await overflowingElements(wide)).join('\n'),
    /the document scrolls sideways: 1500px of content in 1280px/,
  );

  const table =
    '<div class="table-wrap" style="width:200px;overflow-x:auto"><table><tr>' +
    '<td style="white-space:nowrap">a column that is far too wide for it</td><td>Edit</td></tr></table></div>';
  const desktop = await pageWith(table, { width: 1024 });
  assert.match(
    (await overflowingElements(desktop)).join('\n'),
    /div\.table-wrap: scrolls sideways around a table/,
  );
  const phone = await pageWith(table, { width: 390 });
  assert.deepEqual(
    await overflowingElements(phone),
    [],
    'a phone may scroll a table',
  );

  const placeholder = await pageWith(
    '<textarea data-testid="box" rows="2" style="width:120px" placeholder="A placeholder that needs many more lines than two"></textarea>',
  );
  assert.match(
    (await overflowingElements(placeholder)).join('\n'),
    /textarea\[data-testid="box"\]: its placeholder needs \d+px of height/,
  );
});
