import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import React from 'react';

import type { IStepEntry } from '../entries';
import type { IEntryActions } from './actions';
import { ChangedFiles } from './ChangedFiles';
import { stepStateLabel } from './labels';
import { fencedCode, Markdown } from './Markdown';
import { StepOutputs } from './StepOutputs';

export interface IStepCardProps {
  step: IStepEntry;
  /** The kernel language, for highlighting. */
  language: string;
  rendermime: IRenderMimeRegistry;
  actions: IEntryActions;
}

/**
 * One attempt at one step: its code, how it ended, its outputs, the files it
 * wrote and a link to its cell.
 */
export const StepCard = React.memo(function StepCard({
  step,
  language,
  rendermime,
  actions
}: IStepCardProps): JSX.Element {
  const title =
    step.attempt > 1
      ? `Step ${step.step} · attempt ${step.attempt}`
      : `Step ${step.step}`;
  return (
    <div
      className={`jp-ci-Step jp-ci-Step-${step.state}`}
      data-call-id={step.callId}
    >
      <div className="jp-ci-StepHeader">
        <span className="jp-ci-StepTitle">{title}</span>
        <button
          type="button"
          className="jp-ci-LinkButton jp-ci-GoToCell"
          onClick={() => void actions.goToStep(step)}
        >
          Go to cell
        </button>
      </div>
      <Markdown
        source={fencedCode(step.code, language)}
        rendermime={rendermime}
      />
      {step.outputs.length > 0 && (
        <StepOutputs outputs={step.outputs} rendermime={rendermime} />
      )}
      <div className="jp-ci-StepState" role="status">
        {step.state === 'running' && <span className="jp-ci-Spinner" />}
        {stepStateLabel(step)}
      </div>
      {step.files.length > 0 && (
        <ChangedFiles files={step.files} actions={actions} />
      )}
    </div>
  );
});
