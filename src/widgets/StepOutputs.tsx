import * as nbformat from '@jupyterlab/nbformat';
import { OutputAreaModel, SimplifiedOutputArea } from '@jupyterlab/outputarea';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import React, { useLayoutEffect, useRef, useState } from 'react';

/** The height, in pixels, above which outputs are collapsed. */
const COLLAPSED_HEIGHT = 240;

export interface IStepOutputsProps {
  outputs: nbformat.IOutput[];
  rendermime: IRenderMimeRegistry;
  trans: TranslationBundle;
}

/**
 * A step's outputs rendered as the notebook renders them (images, tables,
 * Plotly, Vega: whatever renderers JupyterLab has), but untrusted, so HTML is
 * sanitized and no script runs. Outputs taller than COLLAPSED_HEIGHT are cut
 * there, with a "Show more" toggle.
 */
export const StepOutputs = React.memo(function StepOutputs({
  outputs,
  rendermime,
  trans
}: IStepOutputsProps): JSX.Element {
  const host = useRef<HTMLDivElement>(null);
  const [tall, setTall] = useState(false);
  const [expanded, setExpanded] = useState(false);

  // A layout effect: its cleanup runs while the host is still in the page,
  // which disposing an attached widget requires.
  useLayoutEffect(() => {
    const model = new OutputAreaModel({ values: outputs, trusted: false });
    const area = new SimplifiedOutputArea({ model, rendermime });
    Widget.attach(area, host.current!);
    // Images and plots take their size after they load.
    const observer = new ResizeObserver(() =>
      setTall(area.node.scrollHeight > COLLAPSED_HEIGHT)
    );
    observer.observe(area.node);
    return () => {
      observer.disconnect();
      area.dispose();
      model.dispose();
    };
  }, [outputs, rendermime]);

  const collapsed = tall && !expanded;
  return (
    <div className="jp-ci-StepOutputs">
      <div
        ref={host}
        className={
          collapsed ? 'jp-ci-OutputsHost jp-mod-collapsed' : 'jp-ci-OutputsHost'
        }
        style={collapsed ? { maxHeight: COLLAPSED_HEIGHT } : undefined}
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
