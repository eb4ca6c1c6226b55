import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

export interface ICheckListProps {
  /** One sentence each, as the model was told them. */
  checks: ReadonlyArray<string>;
  trans: TranslationBundle;
}

/**
 * What the silent-failure checks found wrong with a step that ran without
 * an error (an empty chart, a merge that multiplied rows...): the same
 * `[check]` lines the model acts on.
 */
export function CheckList({ checks, trans }: ICheckListProps): JSX.Element {
  return (
    <ul className="jp-ci-Checks" aria-label={trans.__('Checks')}>
      {checks.map(check => (
        <li key={check} className="jp-ci-Check">
          <span className="jp-ci-CheckLabel">{trans.__('Check')}</span> {check}
        </li>
      ))}
    </ul>
  );
}
