import React from 'react';

import type { IApprovalEntry } from '../entries';
import type { IEntryActions } from './actions';

export interface IApprovalCardProps {
  entry: IApprovalEntry;
  actions: IEntryActions;
}

/**
 * The assistant asks to install packages into the notebook's environment;
 * nothing is installed unless the user presses Install. Once answered, the
 * card shows the decision.
 */
export const ApprovalCard = React.memo(function ApprovalCard({
  entry,
  actions
}: IApprovalCardProps): JSX.Element {
  const packages = entry.packages.join(', ');
  return (
    <div className="jp-ci-Approval" role="group" aria-label="Install request">
      <div className="jp-ci-ApprovalQuestion">
        The assistant wants to install <strong>{packages}</strong> into this
        notebook&apos;s environment.
      </div>
      {entry.reason && <div className="jp-ci-Hint">{entry.reason}</div>}
      {entry.approved === null ? (
        <div className="jp-ci-Buttons">
          <button
            type="button"
            className="jp-ci-Button"
            aria-label="Don't install"
            onClick={() => actions.answerApproval(entry, false)}
          >
            Don&apos;t install
          </button>
          <button
            type="button"
            className="jp-ci-Button jp-ci-PrimaryButton"
            aria-label="Install"
            onClick={() => actions.answerApproval(entry, true)}
          >
            Install
          </button>
        </div>
      ) : (
        <div className="jp-ci-ApprovalDecision" role="status">
          {entry.approved
            ? `Approved: installing ${packages}.`
            : `Declined: ${packages} will not be installed.`}
        </div>
      )}
    </div>
  );
});
