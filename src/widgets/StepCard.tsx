import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useState } from 'react';

import type { IStepEntry } from '../chat/entries';
import type { IEntryActions } from './actions';
import { ChangedFiles } from './ChangedFiles';
import { CheckList } from './CheckList';
import { durationLabel, stepStateLabel } from './labels';
import { fencedCode, Markdown } from './Markdown';
import { StepOutputs } from './StepOutputs';
import { useElapsed } from './useElapsed';

/** Lines of code a card shows before "Show all": a narrow sidebar stays readable. */
const FOLDED_CODE_LINES = 6;

export interface IStepCardProps {
  step: IStepEntry;
  /** Its number within its request (the server numbers steps per conversation). */
  number: number;
  /** The kernel language, for highlighting. */
  language: string;
  rendermime: IRenderMimeRegistry;
  actions: IEntryActions;
  trans: TranslationBundle;
  /** The height above which its outputs collapse. */
  collapsedHeight: number;
}

/**
 * One attempt at one step: its code (folded past a few lines), how it ended
 * (an error in one line, its traceback folded), how long it ran, its
 * outputs, the files it wrote and a link to its cell.
 */
export const StepCard = React.memo(function StepCard({
  step,
  number,
  language,
  rendermime,
  actions,
  trans,
  collapsedHeight
}: IStepCardProps): JSX.Element {
  const [showAllCode, setShowAllCode] = useState(false);
  const [showTraceback, setShowTraceback] = useState(false);
  const running = step.state === 'running';
  const runningFor = useElapsed(step.startedAt, running);
  const title = step.rerun
    ? trans.__('Step %1 · run again', number)
    : step.attempt > 1
      ? trans.__('Step %1 · attempt %2', number, step.attempt)
      : trans.__('Step %1', number);
  const lines = step.code.split('\n');
  const foldable = lines.length > FOLDED_CODE_LINES + 1;
  const code =
    foldable && !showAllCode
      ? lines.slice(0, FOLDED_CODE_LINES).join('\n')
      : step.code;
  const errors = step.outputs.filter(output => output.output_type === 'error');
  const outputs = showTraceback
    ? step.outputs
    : step.outputs.filter(output => output.output_type !== 'error');
  const elapsed = running ? runningFor : step.durationMs;
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
        source={fencedCode(code, language)}
        rendermime={rendermime}
        trans={trans}
      />
      {foldable && (
        <FoldToggle
          expanded={showAllCode}
          onToggle={setShowAllCode}
          className="jp-ci-ShowCode"
          show={trans.__('Show all %1 lines', lines.length)}
          hide={trans.__('Show less code')}
        />
      )}
      {outputs.length > 0 && (
        <StepOutputs
          outputs={outputs}
          rendermime={rendermime}
          trans={trans}
          collapsedHeight={collapsedHeight}
          tail={running}
        />
      )}
      <div className="jp-ci-StepState" role="status">
        {running && <span className="jp-ci-Spinner" />}
        <span className="jp-ci-StepStateText">
          {stepStateLabel(step, trans)}
        </span>
        {elapsed !== null && (
          <span className="jp-ci-Elapsed" title={trans.__('How long it ran')}>
            {durationLabel(elapsed, trans)}
          </span>
        )}
      </div>
      {step.rerun && (
        <div className="jp-ci-Hint">
          {trans.__(
            'Run again, unchanged: an earlier cell it depends on was edited.'
          )}
        </div>
      )}
      {step.checks.length > 0 && (
        <CheckList checks={step.checks} trans={trans} />
      )}
      {errors.length > 0 && (
        <FoldToggle
          expanded={showTraceback}
          onToggle={setShowTraceback}
          className="jp-ci-ShowTraceback"
          show={trans.__('Show traceback')}
          hide={trans.__('Hide traceback')}
        />
      )}
      {step.files.length > 0 && (
        <ChangedFiles files={step.files} actions={actions} trans={trans} />
      )}
    </div>
  );
});

interface IFoldToggleProps {
  expanded: boolean;
  onToggle: (expanded: boolean) => void;
  className: string;
  /** The label while folded, and while unfolded. */
  show: string;
  hide: string;
}

/** A link-like button that folds or unfolds part of a card. */
function FoldToggle({
  expanded,
  onToggle,
  className,
  show,
  hide
}: IFoldToggleProps): JSX.Element {
  return (
    <button
      type="button"
      className={`jp-ci-LinkButton ${className}`}
      aria-expanded={expanded}
      onClick={() => onToggle(!expanded)}
    >
      {expanded ? hide : show}
    </button>
  );
}
