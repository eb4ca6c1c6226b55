import type { TranslationBundle } from '@jupyterlab/translation';
import { RefObject, useEffect } from 'react';

/**
 * What scrolls sideways in the chat: a step's code (its lines are not
 * wrapped), its outputs (wide tables, wide figures, tracebacks: their text
 * scrolls in its own `pre`), and the code blocks and tables of the
 * assistant's answers. Everything else wraps (style/base.css).
 */
const SCROLLERS = [
  '.jp-ci-Step .jp-ci-Markdown',
  '.jp-ci-OutputsHost',
  '.jp-ci-StepOutputs .jp-OutputArea-output',
  '.jp-ci-StepOutputs pre',
  '.jp-ci-Message-assistant .jp-RenderedHTMLCommon pre',
  '.jp-ci-Message-assistant .jp-RenderedHTMLCommon table'
].join(', ');

/** Where a scroller has more to show: its attribute, read by the CSS that fades that side. */
const CUE = 'data-ci-more';

/**
 * Mark everything in `root` that is wider than the panel with which side
 * has more (`data-ci-more`: right, left or both; the style fades that edge),
 * a tooltip that says it scrolls, and a tab stop so the keyboard can scroll
 * it. Kept up as the content, the panel's width and the scroll positions
 * change.
 */
export function useScrollCues(
  root: RefObject<HTMLElement>,
  trans: TranslationBundle
): void {
  useEffect(() => {
    const node = root.current!;
    const hint = trans.__('Wider than the panel: scroll sideways to see all');
    let frame = 0;
    const markAll = () => {
      frame = 0;
      node
        .querySelectorAll<HTMLElement>(SCROLLERS)
        .forEach(element => mark(element, hint));
    };
    const later = () => {
      frame ||= window.requestAnimationFrame(markAll);
    };
    const onScroll = (event: Event) => {
      const target = event.target as HTMLElement;
      if (target.hasAttribute?.(CUE)) {
        mark(target, hint);
      }
    };
    const mutations = new MutationObserver(later);
    mutations.observe(node, { childList: true, subtree: true });
    const resizes = new ResizeObserver(later);
    resizes.observe(node);
    // Scroll events do not bubble: catch them on the way down.
    node.addEventListener('scroll', onScroll, true);
    later();
    return () => {
      window.cancelAnimationFrame(frame);
      mutations.disconnect();
      resizes.disconnect();
      node.removeEventListener('scroll', onScroll, true);
    };
  }, [trans]);
}

/** Say which sides of an element have more than it shows, if any. */
function mark(element: HTMLElement, hint: string): void {
  const hidden = element.scrollWidth - element.clientWidth;
  if (hidden <= 1) {
    if (element.hasAttribute(CUE)) {
      element.removeAttribute(CUE);
      element.removeAttribute('title');
      element.removeAttribute('tabindex');
    }
    return;
  }
  const left = element.scrollLeft > 1;
  const right = element.scrollLeft < hidden - 1;
  element.setAttribute(CUE, left && right ? 'both' : left ? 'left' : 'right');
  element.title = hint;
  element.tabIndex = 0;
}
