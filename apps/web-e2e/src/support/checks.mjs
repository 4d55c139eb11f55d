/**
 * Page checks every browser test can call on whatever page it is on:
 *
 * - `expectAccessible(page, label)`: axe-core (WCAG 2.0/2.1 A and AA rules)
 *   finds no violation;
 * - `expectNoOverflow(page, label)`: no element's content is cut by its box
 *   (scrollWidth > clientWidth) unless the element is meant to scroll
 *   (`overflow-x: auto | scroll`; but a table must fit from 1024 px up) or to
 *   shorten its text (`text-overflow: ellipsis`), no placeholder is cut, and
 *   the document does not scroll sideways;
 * - `checkPage(page, label)`: both.
 *
 * axe-core comes from node_modules and is evaluated in the page through the
 * DevTools protocol (not a `<script>` tag, so the page's CSP does not matter
 * and no violation is logged for it).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The rule sets the checks hold the pages to. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** The widths the overflow check is run at by `atWidths`. */
export const WIDTHS = [390, 1024, 1280];

/**
 * Runs axe-core on the page as it is now and fails with every violation's
 * rule id, impact and the elements it found (CSS selectors), e.g.
 * `chat (ru, 390px): scrollable-region-focusable (serious) at .messages`.
 */
export async function expectAccessible(page, label) {
  const violations = await onceSettled(() => axeViolations(page));
  assert.ok(
    violations.length === 0,
    `${label}: axe found ${violations.length} WCAG 2.1 A/AA violation(s):\n` +
      violations.map(formatViolation).join('\n'),
  );
}

/**
 * What `find` reports, looked at again while it reports something, for up to
 * about 3 s: a page may still be moving when a check starts (an error
 * message fading in has a paler colour until it is in; a textarea grows to
 * its new placeholder a frame after the text changes). What is still wrong
 * once the page has settled is what the checks fail on; a page with nothing
 * wrong costs one look.
 */
async function onceSettled(find, looks = 15, pauseMs = 200) {
  let found = await find();
  for (let i = 1; i < looks && found.length > 0; i++) {
    await new Promise((r) => setTimeout(r, pauseMs));
    found = await find();
  }
  return found;
}

/** axe-core's violations on the page as it is now (for tests that want to look at them). */
export async function axeViolations(page) {
  const injected = await page.evaluate(() => typeof window.axe === 'object');
  if (!injected) {
    await page.evaluate(AXE_SOURCE);
  }
  return page.evaluate(async (tags) => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
      summary: v.nodes[0]?.failureSummary ?? '',
    }));
  }, AXE_TAGS);
}

function formatViolation(v) {
  const targets = v.targets.slice(0, 5).join(', ');
  const more = v.targets.length > 5 ? ` and ${v.targets.length - 5} more` : '';
  const why = v.summary.replace(/\s+/g, ' ').trim().slice(0, 160);
  return `  - ${v.id} (${v.impact}) at ${targets}${more}: ${v.help}${why ? ` [${why}]` : ''}`;
}

/**
 * Fails when the document scrolls sideways, when an element cuts its content
 * (scrollWidth > clientWidth while `overflow-x` is `hidden` or `clip`, and
 * the text is not shortened with an ellipsis on purpose), or, from 1024 px
 * up, when a table is wider than its scrolling wrapper (a column is cut at
 * the edge until the user scrolls). An empty textarea whose placeholder
 * needs more lines than the box has counts as cut too. Each problem is
 * named with a selector and its size.
 */
export async function expectNoOverflow(page, label, options = {}) {
  const found = await onceSettled(() => overflowingElements(page, options));
  assert.ok(
    found.length === 0,
    `${label}: content is cut or the page scrolls sideways:\n` +
      found.map((f) => `  - ${f}`).join('\n'),
  );
}

/**
 * What `expectNoOverflow` would complain about, as lines of text.
 * `tablesMustFit` defaults to true from a 1024 px wide window up.
 */
export function overflowingElements(page, { tablesMustFit } = {}) {
  return page.evaluate((tablesMustFitOption) => {
    const problems = [];
    const root = document.documentElement;
    const tablesMustFit = tablesMustFitOption ?? window.innerWidth >= 1024;
    if (root.scrollWidth > root.clientWidth + 1) {
      problems.push(
        `the document scrolls sideways: ${root.scrollWidth}px of content in ${root.clientWidth}px`,
      );
    }
    const describe = (el) => {
      const parts = [];
      for (
        let e = el;
        e && e !== document.body && parts.length < 4;
        e = e.parentElement
      ) {
        let part = e.tagName.toLowerCase();
        const testId = e.getAttribute('data-testid');
        if (testId) {
          parts.unshift(`${part}[data-testid="${testId}"]`);
          break;
        }
        if (e.id) {
          parts.unshift(`${part}#${e.id}`);
          break;
        }
        const classes = [...e.classList]
          .filter((c) => !c.startsWith('ng-'))
          .slice(0, 2);
        if (classes.length) {
          part += `.${classes.join('.')}`;
        }
        parts.unshift(part);
      }
      return parts.join(' > ');
    };
    const shown = (el) => {
      const box = el.getBoundingClientRect();
      if (box.right <= 0 || box.bottom <= 0) {
        return false;
      }
      for (let e = el; e; e = e.parentElement) {
        const style = getComputedStyle(e);
        if (Number(style.opacity) === 0 || style.visibility === 'hidden') {
          return false;
        }
      }
      return true;
    };
    for (const el of document.body.querySelectorAll('*')) {
      const width = el.clientWidth;
      // Not laid out as a box (inline, hidden, or visually hidden text for screen readers).
      if (width <= 2 || el.clientHeight <= 2) {
        continue;
      }
      const style = getComputedStyle(el);
      if (
        el instanceof HTMLTextAreaElement &&
        el.value === '' &&
        el.placeholder &&
        shown(el)
      ) {
        // The placeholder is not in scrollHeight: measure it in a twin box.
        const twin = document.createElement('div');
        const copy = getComputedStyle(el);
        for (const prop of [
          'font',
          'letterSpacing',
          'wordSpacing',
          'lineHeight',
          'padding',
          'border',
          'boxSizing',
          'whiteSpace',
          'overflowWrap',
          'wordBreak',
        ]) {
          twin.style[prop] = copy[prop];
        }
        twin.style.position = 'absolute';
        twin.style.visibility = 'hidden';
        twin.style.width = `${el.getBoundingClientRect().width}px`;
        twin.style.whiteSpace = 'pre-wrap';
        twin.textContent = el.placeholder;
        document.body.append(twin);
        const needed = twin.getBoundingClientRect().height;
        twin.remove();
        const has = el.getBoundingClientRect().height;
        if (needed > has + 1) {
          problems.push(
            `${describe(el)}: its placeholder needs ${Math.round(needed)}px of height in ${Math.round(has)}px`,
          );
        }
        continue;
      }
      if (el.scrollWidth <= width + 1) {
        continue;
      }
      const scroller =
        style.overflowX === 'auto' || style.overflowX === 'scroll';
      const cuts = style.overflowX === 'hidden' || style.overflowX === 'clip';
      if (scroller && tablesMustFit && el.querySelector('table') && shown(el)) {
        problems.push(
          `${describe(el)}: scrolls sideways around a table, ${el.scrollWidth}px of content in ${width}px (what is past the edge is cut)`,
        );
        continue;
      }
      // Only text can be cut: a control's decorative shapes (a switch's
      // track, a ripple) are clipped on purpose.
      if (
        !cuts ||
        style.textOverflow === 'ellipsis' ||
        el.textContent.trim() === '' ||
        !shown(el)
      ) {
        continue;
      }
      problems.push(
        `${describe(el)}: ${el.scrollWidth}px of content cut to ${width}px (overflow-x: ${style.overflowX})`,
      );
    }
    return problems;
  }, tablesMustFit ?? null);
}

/** Both checks on the page as it is now. */
export async function checkPage(page, label) {
  await expectAccessible(page, label);
  await expectNoOverflow(page, label);
}

/**
 * Runs `check(width)` with the page resized to each width (the height kept),
 * then puts the page back to its own size. Resizing keeps the page's state,
 * so one sign-in covers every width.
 */
export async function atWidths(page, widths, check) {
  const original = page.viewportSize();
  try {
    for (const width of widths) {
      await page.setViewportSize({ width, height: original?.height ?? 800 });
      // Let the layout (and Angular's breakpoint observers) settle.
      await page.evaluate(
        () =>
          new Promise((r) =>
            requestAnimationFrame(() => requestAnimationFrame(r)),
          ),
      );
      await page.waitForTimeout(100);
      await check(width);
    }
  } finally {
    if (original) {
      await page.setViewportSize(original);
    }
  }
}

/**
 * The usual check of a page: axe and overflow at the phone width, overflow
 * also at 1024 and 1280 px (axe at 1280 px too, the tests' default size).
 */
export async function checkPageAtWidths(page, label) {
  await atWidths(page, WIDTHS, async (width) => {
    const at = `${label} at ${width}px`;
    if (width === 390 || width === 1280) {
      await expectAccessible(page, at);
    }
    await expectNoOverflow(page, at);
  });
}
