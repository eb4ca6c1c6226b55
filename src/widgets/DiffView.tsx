import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useMemo } from 'react';

import { lineDiff } from '../changes/lineDiff';

export interface IDiffViewProps {
  before: string;
  after: string;
  trans: TranslationBundle;
}

/**
 * How a cell's source changes, line by line: removed lines first marked
 * with −, added ones with +, the others as they are.
 */
export function DiffView({
  before,
  after,
  trans
}: IDiffViewProps): JSX.Element {
  const lines = useMemo(() => lineDiff(before, after), [before, after]);
  return (
    <pre
      className="jp-ci-Diff"
      aria-label={trans.__('Changes to the cell source')}
    >
      {lines.map((line, index) => (
        <div
          key={index}
          className={`jp-ci-DiffLine jp-ci-Diff-${line.kind}`}
          title={
            line.kind === 'added'
              ? trans.__('Added')
              : line.kind === 'removed'
                ? trans.__('Removed')
                : undefined
          }
        >
          <span className="jp-ci-DiffSign">
            {line.kind === 'added' ? '+' : line.kind === 'removed' ? '−' : ' '}
          </span>
          {line.text || ' '}
        </div>
      ))}
    </pre>
  );
}
