/**
 * Restore state runs the conversation's working cells again. A cell that
 * waited for the user's approval when it first ran (it installed packages,
 * ran shell commands, changed files outside the notebook's folder...) is not
 * run again unasked: the user is shown why each was asked, and chooses.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { IStepEntry } from '../chat/entries';

/** What to do with the cells that needed approval. */
export type RestoreChoice = 'run' | 'skip' | 'cancel';

/**
 * Ask whether to run these approved steps again; `cancel` if the dialog is
 * dismissed.
 */
export async function askToRerunApproved(
  steps: ReadonlyArray<IStepEntry>,
  trans: TranslationBundle
): Promise<RestoreChoice> {
  const result = await showDialog({
    title: trans.__('Run approved cells again?'),
    body: (
      <div className="jp-ci-RestoreApproval">
        <p>
          {trans.__(
            'These cells waited for your approval when they first ran. Restore state would run them again in the new kernel.'
          )}
        </p>
        <ul>
          {steps.map(step => (
            <li key={step.id}>
              <strong>{trans.__('Step %1', step.step)}</strong>{' '}
              {(step.approved ?? []).join(' ')}
            </li>
          ))}
        </ul>
      </div>
    ),
    buttons: [
      Dialog.cancelButton({
        label: trans.__('Cancel'),
        ariaLabel: trans.__('Cancel restoring the state')
      }),
      Dialog.warnButton({
        label: trans.__('Skip them'),
        ariaLabel: trans.__('Restore without the cells that needed approval')
      }),
      Dialog.okButton({
        label: trans.__('Run them again'),
        ariaLabel: trans.__('Run the cells that needed approval again')
      })
    ],
    defaultButton: 0
  });
  if (!result.button.accept) {
    return 'cancel';
  }
  return result.button.displayType === 'warn' ? 'skip' : 'run';
}
