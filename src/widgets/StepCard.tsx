import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
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
  trans: TranslationBundle;
  /** The height above which its outputs collapse. */
  collapsedHeight: number;
}

/**
 * One attempt at one step: its code, how it ended, its outputs, the files it
 * wrote and a link to its cell.
 */
export const StepCard = React.memo(function StepCard({
  step,
  language,
  rendermime,
  actions,
  trans,
  collapsedHeight
}: IStepCardProps): JSX.Element {
  const title =
    step.attempt > 1
      ? trans.__('Step %1 · attempt %2', step.step, step.attempt)
      : trans.__('Step %1', step.step);
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
          {trans.__('Go to cell')}
        </button>
      </div>
      <Markdown
        source={fencedCode(step.code, language)}
        rendermime={rendermime}
        trans={trans}
      />
      {step.outputs.length > 0 && (
        <StepOutputs
          outputs={step.outputs}
          rendermime={rendermime}
          trans={trans}
          collapsedHeight={collapsedHeight}
        />
      )}
      <div className="jp-ci-StepState" role="status">
        {step.state === 'running' && <span className="jp-ci-Spinner" />}
        {stepStateLabel(step, trans)}
      </div>
      {step.files.length > 0 && (
        <ChangedFiles files={step.files} actions={actions} trans={trans} />
      )}
    </div>
  );
});
