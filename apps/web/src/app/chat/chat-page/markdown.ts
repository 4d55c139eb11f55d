import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  input,
} from '@angular/core';
import { DomSanitizer, SafeHtml } from '@angular/platform-browser';
import DOMPurify, { type Config, type DOMPurify as Purifier } from 'dompurify';
import { Marked } from 'marked';

const markdown = new Marked(
  { gfm: true, breaks: true, async: false },
  // A task list item's box as a character: inputs are not kept (below).
  { renderer: { checkbox: ({ checked }) => (checked ? '☑ ' : '☐ ') } },
);

/**
 * What an answer may contain: the tags Markdown makes and a few inline ones,
 * nothing that styles, submits, embeds or reaches the page's own CSS. No
 * `style`, `id` or `class` (a `language-*` class on `code` excepted), no
 * forms, inputs, buttons, frames, objects, SVG or MathML, no `<link>`,
 * `<meta>` or `<base>`: an answer cannot cover the page or pose as part of it.
 */
const ANSWER_HTML: Config = {
  ALLOWED_TAGS: [
    'a',
    'b',
    'blockquote',
    'br',
    'code',
    'del',
    'div',
    'em',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'hr',
    'i',
    'img',
    'kbd',
    'li',
    'ol',
    'p',
    'pre',
    's',
    'span',
    'strong',
    'sub',
    'sup',
    'table',
    'tbody',
    'td',
    'tfoot',
    'th',
    'thead',
    'tr',
    'ul',
  ],
  ALLOWED_ATTR: ['href', 'title', 'alt', 'src', 'align', 'start'],
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
};

/** The code block's language, as marked writes it (`language-ts`). */
const CODE_LANGUAGE = /^language-[\w+#.-]{1,40}$/;
/** Where a link may lead. */
const LINK_URL = /^(?:https?:|mailto:)/i;

let purifier: Purifier | null = null;

/** A DOMPurify of its own, so these rules never reach other uses of the library. */
function answerPurifier(): Purifier {
  if (purifier) {
    return purifier;
  }
  const p = DOMPurify(window);
  p.addHook('uponSanitizeAttribute', (node, data) => {
    if (
      data.attrName === 'class' &&
      node.nodeName === 'CODE' &&
      CODE_LANGUAGE.test(data.attrValue)
    ) {
      data.forceKeepAttr = true;
    }
  });
  p.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeName !== 'A') {
      return;
    }
    const href = node.getAttribute('href');
    if (href === null || !LINK_URL.test(href.trim())) {
      // Text, not a link: relative and other schemes lead nowhere an answer should send anyone.
      node.removeAttribute('href');
      return;
    }
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  });
  purifier = p;
  return p;
}

/** Markdown → HTML with only ordinary Markdown markup left; links open in a new tab without opener. */
export function renderMarkdown(source: string): string {
  const html = markdown.parse(source, { async: false });
  return answerPurifier().sanitize(html, ANSWER_HTML);
}

/** An answer rendered as Markdown. Styles live in styles.css (`.markdown`). */
@Component({
  selector: 'app-markdown',
  template: `<div class="markdown" [innerHTML]="html()"></div>`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class MarkdownView {
  readonly text = input.required<string>();
  private readonly sanitizer = inject(DomSanitizer);
  // DOMPurify has already sanitized it; Angular's own pass would strip harmless markup and warn.
  protected readonly html = computed<SafeHtml>(() =>
    this.sanitizer.bypassSecurityTrustHtml(renderMarkdown(this.text())),
  );
}
