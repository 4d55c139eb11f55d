import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  input,
} from '@angular/core';
import { DomSanitizer, SafeHtml } from '@angular/platform-browser';
import DOMPurify from 'dompurify';
import { Marked } from 'marked';

const markdown = new Marked({ gfm: true, breaks: true, async: false });
let hooksInstalled = false;

/** Markdown → HTML that DOMPurify has sanitized; links open in a new tab without opener. */
export function renderMarkdown(source: string): string {
  if (!hooksInstalled) {
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      if (node.tagName === 'A' && node.hasAttribute('href')) {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer');
      }
    });
    hooksInstalled = true;
  }
  const html = markdown.parse(source, { async: false });
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true } });
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
