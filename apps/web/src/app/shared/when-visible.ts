import {
  DestroyRef,
  Directive,
  ElementRef,
  afterNextRender,
  effect,
  inject,
  input,
  output,
  untracked,
} from '@angular/core';

/**
 * `(appWhenVisible)` fires when the element comes into view (scrolled into
 * the viewport, or there from the start), and again each time it comes back
 * or `appWhenVisibleKey` changes while it is in view (the list above it grew
 * and did not push it out). Where IntersectionObserver is missing it never
 * fires: the element itself (a button) must do the job by hand.
 */
@Directive({ selector: '[appWhenVisible]' })
export class WhenVisible {
  readonly appWhenVisible = output<void>();
  readonly appWhenVisibleKey = input<unknown>();

  constructor() {
    const el = inject<ElementRef<Element>>(ElementRef).nativeElement;
    let observer: IntersectionObserver | null = null;
    afterNextRender(() => {
      if (typeof IntersectionObserver === 'undefined') {
        return;
      }
      observer = new IntersectionObserver((entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          this.appWhenVisible.emit();
        }
      });
      observer.observe(el);
    });
    effect(() => {
      this.appWhenVisibleKey();
      // Observing anew reports where the element is now.
      untracked(() => {
        observer?.unobserve(el);
        observer?.observe(el);
      });
    });
    inject(DestroyRef).onDestroy(() => observer?.disconnect());
  }
}
