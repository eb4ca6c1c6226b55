import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import React from 'react';

import type { IStepEntry } from '../model';
import { stepStateLabel } from './labels';
import { fencedCode, Markdown } from './Markdown';

export interface IStepCardProps {
  step: IStepEntry;
  /** The kernel language, for highlighting. */
  language: string;
  rendermime: IRenderMimeRegistry;
  onGoToCell: (step: IStepEntry) => void;
}

/** One attempt at one step: its code, how it ended and a link to its cell. */
export const StepCard = React.memo(function StepCard({
  step,
  language,
  rendermime,
  onGoToCell
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
          onClick={() => onGoToCell(step)}
        >
          Go to cell
        </button>
      </div>
      <Markdown
        source={fencedCode(step.code, language)}
        rendermime={rendermime}
      />
      <div className="jp-ci-StepState" role="status">
        {step.state === 'running' && <span className="jp-ci-Spinner" />}
        {stepStateLabel(step)}
      </div>
    </div>
  );
});
