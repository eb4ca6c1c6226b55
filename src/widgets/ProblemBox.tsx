import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { IProblem } from '../server/protocol';

interface IProblemBoxProps {
  problem: IProblem;
  /** Offered when the settings view can fix the problem. */
  onOpenSettings?: () => void;
  /** Offered for a warning the user may put aside. */
  onDismiss?: () => void;
  /** By default the error that replaces the input. */
  className?: string;
  trans: TranslationBundle;
}

/**
 * Shown instead of the input while no model can be used; as a warning above
 * it when the model server did not answer the check on opening.
 */
export function ProblemBox({
  problem,
  onOpenSettings,
  onDismiss,
  className = 'jp-ci-Problem jp-ci-Error',
  trans
}: IProblemBoxProps): JSX.Element {
  return (
    <div className={className} role="alert">
      <div className="jp-ci-NoticeMessage">{problem.message}</div>
      {problem.hint && <div className="jp-ci-Hint">{problem.hint}</div>}
      {onOpenSettings && (
        <div className="jp-ci-Buttons">
          <button
            type="button"
            className="jp-ci-Button jp-ci-PrimaryButton"
            aria-label={trans.__('Open settings')}
            onClick={onOpenSettings}
          >
            {trans.__('Open settings')}
          </button>
          {onDismiss && (
            <button
              type="button"
              className="jp-ci-Button"
              aria-label={trans.__('Dismiss the warning')}
              onClick={onDismiss}
            >
              {trans.__('Dismiss')}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
