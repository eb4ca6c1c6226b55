import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useState } from 'react';

import type { IKernelEntry } from '../entries';
import type { IEntryActions } from './actions';

export interface IKernelCardProps {
  entry: IKernelEntry;
  actions: IEntryActions;
  trans: TranslationBundle;
}

/**
 * The kernel restarted or died: says so, and offers to run this
 * conversation's cells again (with the user's own cells above them, if the
 * user ticks the box), then shows the progress and how it ended.
 */
export const KernelCard = React.memo(function KernelCard({
  entry,
  actions,
  trans
}: IKernelCardProps): JSX.Element {
  const [withUserCells, setWithUserCells] = useState(false);
  return (
    <div
      className="jp-ci-KernelCard"
      role="group"
      aria-label={trans.__('Kernel restarted')}
    >
      <div className="jp-ci-NoticeMessage">{entry.message}</div>
      {entry.state === 'offered' && (
        <>
          <div className="jp-ci-Hint">
            {trans.__(
              "Restore state runs this conversation's cells again, in order, in the new kernel; then ask to continue."
            )}
          </div>
          <label className="jp-ci-Checkbox">
            <input
              type="checkbox"
              checked={withUserCells}
              onChange={event => setWithUserCells(event.target.checked)}
            />
            {trans.__('Also re-run my own cells above them')}
          </label>
          <div className="jp-ci-Buttons">
            <button
              type="button"
              className="jp-ci-Button jp-ci-PrimaryButton"
              aria-label={trans.__('Restore state')}
              onClick={() => actions.restoreState(entry, withUserCells)}
            >
              {trans.__('Restore state')}
            </button>
          </div>
        </>
      )}
      {entry.state === 'restoring' && (
        <div role="status">
          <span className="jp-ci-Spinner" />{' '}
          {trans.__('Restoring: %1 of %2 cells run…', entry.ran, entry.total)}
        </div>
      )}
      {entry.state === 'restored' && (
        <div role="status">
          {trans.__(
            'State restored: %1 of %2 cells run again.',
            entry.ran,
            entry.total
          )}
        </div>
      )}
      {entry.state === 'failed' && (
        <div className="jp-ci-Error" role="alert">
          {trans.__(
            'Restore stopped after %1 of %2 cells: %3',
            entry.ran,
            entry.total,
            entry.failure ?? ''
          )}
        </div>
      )}
    </div>
  );
});
