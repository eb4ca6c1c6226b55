import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { MimeModel } from '@jupyterlab/rendermime';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import React, { useEffect, useLayoutEffect, useRef } from 'react';

import { markNumbers } from '../rendering/numberMarks';
import { loadRemoteImage, safeRendermime } from '../rendering/safeMarkdown';

export interface IMarkdownProps {
  /** The markdown text; it may grow while it streams. */
  source: string;
  rendermime: IRenderMimeRegistry;
  /** For the notes that stand in for what was not loaded. */
  trans: TranslationBundle;
  /** Numbers to mark in the text as found in no output (see numberMarks.ts). */
  marks?: ReadonlyArray<string>;
}

/**
 * Markdown rendered by JupyterLab's own markdown renderer (sanitized, with
 * code highlighting and math). Re-renders at most once per animation frame,
 * so a fast stream of deltas stays cheap.
 *
 * The model writes this markdown, so it loads nothing from elsewhere: see
 * `safeRendermime`. Images from elsewhere show as buttons; a click on one
 * loads its image.
 */
export const Markdown = React.memo(function Markdown({
  source,
  rendermime,
  trans,
  marks
}: IMarkdownProps): JSX.Element {
  const host = useRef<HTMLDivElement>(null);
  const renderer = useRef<IRenderMime.IRenderer | null>(null);
  const pending = useRef(source);
  const pendingMarks = useRef(marks);
  const frame = useRef(0);
  const rendering = useRef<Promise<void>>(Promise.resolve());

  // A layout effect: its cleanup runs while the host is still in the page,
  // which disposing an attached widget requires.
  useLayoutEffect(() => {
    const widget = safeRendermime(rendermime, trans).createRenderer(
      'text/markdown'
    );
    Widget.attach(widget, host.current!);
    renderer.current = widget;
    return () => {
      window.cancelAnimationFrame(frame.current);
      frame.current = 0;
      renderer.current = null;
      widget.dispose();
    };
  }, [rendermime, trans]);

  useEffect(() => {
    pending.current = source;
    pendingMarks.current = marks;
    if (frame.current) {
      return;
    }
    frame.current = window.requestAnimationFrame(() => {
      frame.current = 0;
      const widget = renderer.current;
      if (!widget) {
        return;
      }
      const model = new MimeModel({
        data: { 'text/markdown': pending.current }
      });
      // Chained, so a slow render never lands after a newer one.
      rendering.current = rendering.current
        .then(() => widget.renderModel(model))
        .then(() =>
          markNumbers(
            widget.node,
            pendingMarks.current ?? [],
            trans.__('Not found in any output')
          )
        )
        .catch(error => console.warn('ci-jupyterlab: markdown', error));
    });
  }, [source, rendermime, marks]);

  return (
    <div
      className="jp-ci-Markdown"
      ref={host}
      onClick={event => loadRemoteImage(event.target)}
    />
  );
});

/** A fenced code block that holds any code, even code with backtick fences. */
export function fencedCode(code: string, language: string): string {
  const longestRun = Math.max(
    0,
    ...(code.match(/`+/g) ?? []).map(run => run.length)
  );
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `${fence}${language}\n${code}\n${fence}`;
}
