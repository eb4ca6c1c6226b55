import * as nbformat from '@jupyterlab/nbformat';
import { OutputAreaModel, SimplifiedOutputArea } from '@jupyterlab/outputarea';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import React, { useLayoutEffect, useRef, useState } from 'react';

import { loadRemoteImage, safeRendermime } from '../rendering/safeMarkdown';

export interface IStepOutputsProps {
  outputs: nbformat.IOutput[];
  rendermime: IRenderMimeRegistry;
  trans: TranslationBundle;
  /** The height, in pixels, above which the outputs are collapsed. */
  collapsedHeight: number;
  /** Collapsed, show the newest lines rather than the first (a cell still running). */
  tail?: boolean;
}

/**
 * A step's outputs rendered as the notebook renders them (images, tables,
 * Plotly, Vega: whatever renderers JupyterLab has), but untrusted, so HTML is
 * sanitized and no script runs. The model's code made them, so, as in the
 * model's markdown, nothing loads from elsewhere (see `safeRendermime`): an
 * image from another site in an HTML or markdown output is a button that
 * loads it when clicked. Outputs taller than `collapsedHeight` are cut
 * there, with a "Show more" toggle; while `tail`, the cut keeps the
 * newest lines.
 */
export const StepOutputs = React.memo(function StepOutputs({
  outputs,
  rendermime,
  trans,
  collapsedHeight,
  tail = false
}: IStepOutputsProps): JSX.Element {
  const host = useRef<HTMLDivElement>(null);
  const [height, setHeight] = useState(0);
  const [expanded, setExpanded] = useState(false);

  // A layout effect: its cleanup runs while the host is still in the page,
  // which disposing an attached widget requires.
  useLayoutEffect(() => {
    const model = new OutputAreaModel({ values: outputs, trusted: false });
    const area = new SimplifiedOutputArea({
      model,
      rendermime: safeRendermime(rendermime, trans)
    });
    Widget.attach(area, host.current!);
    markTracebacks(area, model);
    // Images and plots take their size after they load.
    const observer = new ResizeObserver(() =>
      setHeight(area.node.scrollHeight)
    );
    observer.observe(area.node);
    return () => {
      observer.disconnect();
      area.dispose();
      model.dispose();
    };
  }, [outputs, rendermime, trans]);

  const tall = height > collapsedHeight;
  const collapsed = tall && !expanded;
  const showTail = collapsed && tail;
  useLayoutEffect(() => {
    if (showTail) {
      host.current!.scrollTop = host.current!.scrollHeight;
    }
  });
  return (
    <div className="jp-ci-StepOutputs">
      <div
        ref={host}
        className={[
          'jp-ci-OutputsHost',
          collapsed && 'jp-mod-collapsed',
          showTail && 'jp-mod-tail'
        ]
          .filter(Boolean)
          .join(' ')}
        style={collapsed ? { maxHeight: collapsedHeight } : undefined}
        onClick={event => loadRemoteImage(event.target)}
      />
      {tall && (
        <button
          type="button"
          className="jp-ci-LinkButton jp-ci-ShowMore"
          aria-expanded={expanded}
          onClick={() => setExpanded(!expanded)}
        >
          {expanded ? trans.__('Show less') : trans.__('Show more')}
        </button>
      )}
    </div>
  );
});

/**
 * Mark the outputs that are errors: a traceback keeps its lines (its dashed
 * rule is one) and scrolls sideways, where other text wraps (style/base.css).
 */
function markTracebacks(
  area: SimplifiedOutputArea,
  model: OutputAreaModel
): void {
  for (let index = 0; index < model.length; index++) {
    if (model.get(index).type === 'error') {
      area.widgets[index]?.addClass('jp-ci-Traceback');
    }
  }
}
