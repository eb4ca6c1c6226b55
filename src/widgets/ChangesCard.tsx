import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useState } from 'react';

import type { IChangeSet, IUndoOutcome } from '../chat/entries';
import type { INotebookChange } from '../server/protocol';
import type { IEntryActions } from './actions';
import { DiffView } from './DiffView';
import { changesSummary, undoSummary } from './labels';

export interface IChangesCardProps {
  set: IChangeSet;
  /** The server's number of the request's first step: its steps show numbered from 1, as their cards do. */
  firstStep: number | null;
  /** A request runs: the notebook may change under a review, so wait. */
  busy: boolean;
  actions: IEntryActions;
  trans: TranslationBundle;
}

/**
 * What a request changed in the notebook, under that request: "2 cells
 * added, 1 changed", with Review (a diff of each cell, Accept or Revert
 * each), Undo request and Dismiss. After an undo it says what was restored
 * and removed, that the kernel was not rolled back, and offers to run the
 * restored cells again. A dismissed card is not shown.
 */
export const ChangesCard = React.memo(function ChangesCard({
  set,
  firstStep,
  busy,
  actions,
  trans
}: IChangesCardProps): JSX.Element | null {
  const [reviewing, setReviewing] = useState(false);
  const [restoreKernel, setRestoreKernel] = useState(false);
  const [kernelRestored, setKernelRestored] = useState(false);
  if (set.dismissed || set.changes.length === 0) {
    return null;
  }
  // Offered only when the request changed the kernel's state (not for a plot or a print).
  const kernelCells = set.stateChanged ? actions.kernelRestoreSize(set) : null;
  return (
    <div
      className="jp-ci-Changes"
      role="group"
      aria-label={trans.__('Notebook changes')}
    >
      <div className="jp-ci-ChangesSummary">
        {changesSummary(set.changes, trans)}
      </div>
      {set.undo ? (
        <UndoOutcome
          set={set}
          undo={set.undo}
          kernelRestored={kernelRestored}
          busy={busy}
          actions={actions}
          trans={trans}
        />
      ) : (
        <>
          <div className="jp-ci-Buttons">
            <button
              type="button"
              className="jp-ci-Button"
              aria-label={trans.__('Review changes')}
              aria-expanded={reviewing}
              onClick={() => setReviewing(!reviewing)}
            >
              {reviewing ? trans.__('Hide review') : trans.__('Review')}
            </button>
            <button
              type="button"
              className="jp-ci-Button"
              aria-label={trans.__('Undo request')}
              title={
                restoreKernel
                  ? trans.__(
                      'Give the edited cells their source back, remove the added ones, then restart the kernel and run the notebook down to where the request worked.'
                    )
                  : trans.__(
                      'Give the edited cells their source back and remove the added ones. The kernel keeps what the code did.'
                    )
              }
              disabled={busy}
              onClick={() => {
                const withKernel = restoreKernel && kernelCells !== null;
                setKernelRestored(withKernel);
                void actions.undoRequest(set, withKernel);
              }}
            >
              {trans.__('Undo request')}
            </button>
            <DismissButton set={set} actions={actions} trans={trans} />
          </div>
          {kernelCells !== null && (
            <label className="jp-ci-Checkbox">
              <input
                type="checkbox"
                checked={restoreKernel}
                disabled={busy}
                onChange={event => setRestoreKernel(event.target.checked)}
              />
              {kernelCells === 0
                ? trans.__('Also restore the kernel (restart it)')
                : trans._n(
                    'Also restore the kernel (restart it, then run %1 cell)',
                    'Also restore the kernel (restart it, then run %1 cells)',
                    kernelCells
                  )}
            </label>
          )}
          {reviewing &&
            set.changes.map(change => (
              <ChangeReview
                key={change.cell_id}
                set={set}
                change={change}
                firstStep={firstStep}
                busy={busy}
                actions={actions}
                trans={trans}
              />
            ))}
        </>
      )}
    </div>
  );
});

interface IChangeReviewProps {
  set: IChangeSet;
  change: INotebookChange;
  firstStep: number | null;
  busy: boolean;
  actions: IEntryActions;
  trans: TranslationBundle;
}

/** One changed cell: its diff, and Accept / Revert until the user chose. */
function ChangeReview({
  set,
  change,
  firstStep,
  busy,
  actions,
  trans
}: IChangeReviewProps): JSX.Element {
  const step = firstStep === null ? change.step : change.step - firstStep + 1;
  const title = {
    inserted: trans.__('Step %1 · new cell', step),
    edited: trans.__('Step %1 · edited cell', step),
    rerun: trans.__('Step %1 · cell run again', step)
  }[change.kind];
  const review = set.reviews[change.cell_id];
  if (change.kind === 'rerun') {
    return (
      <div className="jp-ci-ChangeReview" role="group" aria-label={title}>
        <div className="jp-ci-ChangeTitle">{title}</div>
        <div className="jp-ci-Hint">
          {trans.__(
            'Its source is unchanged: it ran again because an earlier cell it uses was edited. Undo gives it back its outputs from before.'
          )}
        </div>
      </div>
    );
  }
  return (
    <div className="jp-ci-ChangeReview" role="group" aria-label={title}>
      <div className="jp-ci-ChangeTitle">{title}</div>
      <DiffView
        before={change.before ?? ''}
        after={change.after}
        trans={trans}
      />
      {review ? (
        <div className="jp-ci-ChangeDecision" role="status">
          {review === 'accepted'
            ? trans.__('Accepted')
            : change.kind === 'inserted'
              ? trans.__('Reverted: the cell was removed.')
              : trans.__('Reverted: the cell has its source back.')}
        </div>
      ) : (
        <div className="jp-ci-Buttons">
          <button
            type="button"
            className="jp-ci-Button"
            disabled={busy}
            onClick={() => void actions.revertChange(set, change)}
          >
            {trans.__('Revert')}
          </button>
          <button
            type="button"
            className="jp-ci-Button jp-ci-PrimaryButton"
            disabled={busy}
            onClick={() => actions.acceptChange(set, change)}
          >
            {trans.__('Accept')}
          </button>
        </div>
      )}
    </div>
  );
}

interface IUndoOutcomeProps {
  set: IChangeSet;
  undo: IUndoOutcome;
  /** The user asked to restore the kernel too (its own card shows how that goes). */
  kernelRestored: boolean;
  busy: boolean;
  actions: IEntryActions;
  trans: TranslationBundle;
}

/** How the undo went, the kernel's caveat, and Re-run restored cells. */
function UndoOutcome({
  set,
  undo,
  kernelRestored,
  busy,
  actions,
  trans
}: IUndoOutcomeProps): JSX.Element {
  return (
    <>
      <div className="jp-ci-UndoOutcome" role="status">
        {undoSummary(undo, trans)}
      </div>
      <div className="jp-ci-Hint">
        {kernelRestored
          ? trans.__(
              'The kernel restarts and the notebook runs again down to where the request worked; files the code wrote are still there.'
            )
          : trans.__(
              'Undo changed the notebook, not the kernel: what the code did (its variables, its files) is still there.'
            )}
      </div>
      <div className="jp-ci-Buttons">
        {undo.restored.length > 0 && (
          <button
            type="button"
            className="jp-ci-Button"
            disabled={busy}
            title={trans.__(
              'Run the cells that got their source back, in notebook order'
            )}
            onClick={() => void actions.rerunRestored(set)}
          >
            {trans.__('Re-run restored cells')}
          </button>
        )}
        <DismissButton set={set} actions={actions} trans={trans} />
      </div>
    </>
  );
}

function DismissButton({
  set,
  actions,
  trans
}: {
  set: IChangeSet;
  actions: IEntryActions;
  trans: TranslationBundle;
}): JSX.Element {
  return (
    <button
      type="button"
      className="jp-ci-Button"
      title={trans.__(
        'Hide this card and the markers of its cells in the notebook'
      )}
      onClick={() => actions.dismissChanges(set)}
    >
      {trans.__('Dismiss')}
    </button>
  );
}
