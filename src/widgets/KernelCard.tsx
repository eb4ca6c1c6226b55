import React, { useState } from 'react';

import type { IKernelEntry } from '../entries';
import type { IEntryActions } from './actions';

export interface IKernelCardProps {
  entry: IKernelEntry;
  actions: IEntryActions;
}

/**
 * The kernel restarted or died: says so, and offers to run this
 * conversation's cells again (with the user's own cells above them, if the
 * user ticks the box), then shows the progress and how it ended.
 */
export const KernelCard = React.memo(function KernelCard({
  entry,
  actions
}: IKernelCardProps): JSX.Element {
  const [withUserCells, setWithUserCells] = useState(false);
  return (
    <div
      className="jp-ci-KernelCard"
      role="group"
      aria-label="Kernel restarted"
    >
      <div className="jp-ci-NoticeMessage">{entry.message}</div>
      {entry.state === 'offered' && (
        <>
          <div className="jp-ci-Hint">
            Restore state runs this conversation&apos;s cells again, in order,
            in the new kernel; then ask to continue.
          </div>
          <label className="jp-ci-Checkbox">
            <input
              type="checkbox"
              checked={withUserCells}
              onChange={event => setWithUserCells(event.target.checked)}
            />
            Also re-run my own cells above them
          </label>
          <div className="jp-ci-Buttons">
            <button
              type="button"
              className="jp-ci-Button jp-ci-PrimaryButton"
              aria-label="Restore state"
              onClick={() => actions.restoreState(entry, withUserCells)}
            >
              Restore state
            </button>
          </div>
        </>
      )}
      {entry.state === 'restoring' && (
        <div role="status">
          <span className="jp-ci-Spinner" /> Restoring: {entry.ran} of{' '}
          {entry.total} cells run…
        </div>
      )}
      {entry.state === 'restored' && (
        <div role="status">
          State restored: {entry.ran} of {entry.total} cells run again.
        </div>
      )}
      {entry.state === 'failed' && (
        <div className="jp-ci-Error" role="alert">
          Restore stopped after {entry.ran} of {entry.total} cells:{' '}
          {entry.failure}
        </div>
      )}
    </div>
  );
});
