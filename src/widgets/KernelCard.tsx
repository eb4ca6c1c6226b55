import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useState } from 'react';

import type { IKernelEntry } from '../chat/entries';
import type { KernelCause } from '../server/protocol';
import type { IEntryActions } from './actions';

export interface IKernelCardProps {
  entry: IKernelEntry;
  actions: IEntryActions;
  trans: TranslationBundle;
}

/**
 * The kernel restarted or died: says which, and offers to run this
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
      aria-label={trans.__('Kernel lost')}
    >
      <div className="jp-ci-NoticeMessage">{lossLabel(entry.cause, trans)}</div>
      {entry.state === 'offered' && (
        <>
          <div className="jp-ci-Hint">
            {entry.cause === 'died'
              ? trans.__(
                  "Start it again (Kernel ▸ Restart Kernel), then Restore state runs this conversation's cells again, in order; then ask to continue."
                )
              : trans.__(
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
        <>
          <div role="status">
            <span className="jp-ci-Spinner" />{' '}
            {trans.__('Restoring: %1 of %2 cells run…', entry.ran, entry.total)}
          </div>
          <div className="jp-ci-Buttons">
            <button
              type="button"
              className="jp-ci-Button"
              aria-label={trans.__('Stop restoring')}
              title={trans.__(
                'Run no further cell; the cell that runs is interrupted and keeps its earlier outputs'
              )}
              onClick={() => actions.stopRestore(entry)}
            >
              {trans.__('Stop')}
            </button>
          </div>
        </>
      )}
      {entry.state === 'stopped' && (
        <div role="status">
          {trans.__(
            'Restore stopped by you after %1 of %2 cells.',
            entry.ran,
            entry.total
          )}
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

/** What happened to the kernel, in the card's first line. */
function lossLabel(cause: KernelCause, trans: TranslationBundle): string {
  switch (cause) {
    case 'restarted':
      return trans.__(
        "The kernel was restarted: this conversation's variables are gone."
      );
    case 'died_restarted':
      return trans.__(
        "The kernel died (it may have run out of memory) and was started again: this conversation's variables are gone."
      );
    case 'died':
      return trans.__(
        "The kernel died and is not running: this conversation's variables are gone."
      );
    case 'changed':
      return trans.__(
        "The notebook has another kernel now: this conversation's variables are not in it."
      );
    case 'undo':
      return trans.__(
        'Restoring the kernel after the undo: it restarts, then the notebook runs again down to where the request worked.'
      );
  }
}
