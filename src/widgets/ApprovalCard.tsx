import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { IApprovalEntry } from '../chat/entries';
import type { IEntryActions } from './actions';
import { DiffView } from './DiffView';
import { InstallPlan } from './InstallPlan';
import { withElements } from './translated';

export interface IApprovalCardProps {
  entry: IApprovalEntry;
  actions: IEntryActions;
  trans: TranslationBundle;
}

/** The cell's code, read-only (the card has no rendermime to highlight it). */
const CODE_STYLE: React.CSSProperties = {
  margin: 0,
  padding: '4px 6px',
  maxHeight: '16em',
  overflow: 'auto',
  whiteSpace: 'pre-wrap',
  wordBreak: 'break-word',
  fontFamily: 'var(--jp-code-font-family)',
  fontSize: 'var(--jp-code-font-size)',
  background: 'var(--jp-cell-editor-background)',
  border: 'var(--jp-border-width) solid var(--jp-cell-editor-border-color)',
  borderRadius: '2px'
};

const EDITOR_STYLE: React.CSSProperties = {
  fontFamily: 'var(--jp-code-font-family)',
  fontSize: 'var(--jp-code-font-size)',
  minHeight: '8em',
  resize: 'vertical'
};

/**
 * The assistant asks before a cell runs; nothing runs until the user answers.
 *
 * - `install`: the cell installs packages, and that is all it does that needs
 *   approval: Install / Don't install. Approving covers exactly the command
 *   shown; a later cell with any other install command asks again. The card
 *   shows what pip would install (its dry run) and what is there already.
 * - `risky`: it also runs shell commands, uninstalls, or changes files outside
 *   the notebook's folder; the reasons are listed: Run / Don't run.
 * - `review`: every cell is reviewed (`c.CodeInterpreter.approval =
 *   "always"`): Run, Edit (the edited code runs instead) or Skip.
 * - `tool`: the model calls a tool of an MCP server (its arguments show):
 *   Call, Don't call, or Always allow (that tool, from now on).
 *
 * Code that edits an existing cell shows as a diff of that cell's source.
 *
 * Once answered, the card shows the decision.
 */
export const ApprovalCard = React.memo(function ApprovalCard({
  entry,
  actions,
  trans
}: IApprovalCardProps): JSX.Element {
  const [editing, setEditing] = React.useState(false);
  const [draft, setDraft] = React.useState(entry.code);
  const install = entry.request === 'install';
  const packages = entry.packages.join(', ');
  const pending = entry.approved === null;
  const shownCode = entry.editedCode ?? entry.code;

  // Who asks: the assistant, or an outside agent whose request this is.
  const asker = entry.client
    ? trans.__('%1 (MCP)', entry.client)
    : trans.__('The assistant');
  let question: React.ReactNode;
  if (install) {
    question = withElements(
      trans.__(
        "%1 wants to install %2 into this notebook's environment.",
        asker,
        '%1' // the packages, put in by withElements
      ),
      <strong>{packages}</strong>
    );
  } else if (entry.request === 'tool') {
    question = withElements(
      trans.__('%1 wants to call the MCP tool %2.', asker, '%1'),
      <strong>{entry.tool}</strong>
    );
  } else if (entry.request === 'risky') {
    question = trans.__(
      '%1 wants to run code that needs your approval.',
      asker
    );
  } else if (entry.before !== null) {
    question = trans.__(
      '%1 wants to change this cell of yours and run it.',
      asker
    );
  } else {
    question = trans.__('%1 wants to run this cell.', asker);
  }

  return (
    <div
      className={pending ? 'jp-ci-Approval jp-mod-pending' : 'jp-ci-Approval'}
      role="group"
      aria-label={
        install ? trans.__('Install request') : trans.__('Approval request')
      }
    >
      <div className="jp-ci-ApprovalQuestion">{question}</div>
      {install
        ? entry.reason && <div className="jp-ci-Hint">{entry.reason}</div>
        : entry.reasons.length > 0 && (
            <ul
              className="jp-ci-ApprovalReasons"
              aria-label={trans.__('Reasons')}
            >
              {entry.reasons.map(reason => (
                <li key={reason}>{reason}</li>
              ))}
            </ul>
          )}
      {entry.install && (
        <InstallPlan
          details={entry.install}
          packages={entry.packages}
          trans={trans}
        />
      )}
      {pending && editing ? (
        <textarea
          className="jp-ci-Input"
          aria-label={trans.__('Edited code')}
          style={EDITOR_STYLE}
          value={draft}
          spellCheck={false}
          onChange={event => setDraft(event.target.value)}
        />
      ) : entry.before !== null ? (
        <DiffView before={entry.before} after={shownCode} trans={trans} />
      ) : (
        shownCode && (
          <pre className="jp-ci-ApprovalCode" style={CODE_STYLE}>
            <code>{shownCode}</code>
          </pre>
        )
      )}
      {pending ? (
        <div className="jp-ci-Buttons">
          {install && (
            <>
              <AnswerButton
                label={trans.__("Don't install")}
                onClick={() => actions.answerApproval(entry, false)}
              />
              <AnswerButton
                label={trans.__('Install')}
                primary
                onClick={() => actions.answerApproval(entry, true)}
              />
            </>
          )}
          {entry.request === 'tool' && (
            <>
              <AnswerButton
                label={trans.__("Don't call")}
                onClick={() => actions.answerApproval(entry, false)}
              />
              <AnswerButton
                label={trans.__('Always allow')}
                onClick={() => actions.answerApproval(entry, true, true)}
              />
              <AnswerButton
                label={trans.__('Call')}
                primary
                onClick={() => actions.answerApproval(entry, true)}
              />
            </>
          )}
          {entry.request === 'risky' && (
            <>
              <AnswerButton
                label={trans.__("Don't run")}
                onClick={() => actions.answerApproval(entry, false)}
              />
              <AnswerButton
                label={trans.__('Run')}
                primary
                onClick={() => actions.answerApproval(entry, true)}
              />
            </>
          )}
          {entry.request === 'review' && (
            <>
              <AnswerButton
                label={trans.__('Skip')}
                onClick={() => actions.answerApproval(entry, false)}
              />
              {editing ? (
                <AnswerButton
                  label={trans.__('Run edited code')}
                  primary
                  disabled={!draft.trim()}
                  onClick={() => actions.answerApproval(entry, draft)}
                />
              ) : (
                <>
                  <AnswerButton
                    label={trans.__('Edit')}
                    onClick={() => setEditing(true)}
                  />
                  <AnswerButton
                    label={trans.__('Run')}
                    primary
                    onClick={() => actions.answerApproval(entry, true)}
                  />
                </>
              )}
            </>
          )}
        </div>
      ) : (
        <div className="jp-ci-ApprovalDecision" role="status">
          {decision(entry, packages, trans)}
        </div>
      )}
    </div>
  );
});

/** One of a pending card's answers; its text is its accessible name. */
function AnswerButton(props: {
  label: string;
  primary?: boolean;
  disabled?: boolean;
  onClick: () => void;
}): JSX.Element {
  return (
    <button
      type="button"
      className={
        props.primary ? 'jp-ci-Button jp-ci-PrimaryButton' : 'jp-ci-Button'
      }
      disabled={props.disabled}
      onClick={props.onClick}
    >
      {props.label}
    </button>
  );
}

/** The line that replaces the buttons once the user answered. */
function decision(
  entry: IApprovalEntry,
  packages: string,
  trans: TranslationBundle
): string {
  if (entry.request === 'install') {
    return entry.approved
      ? trans.__('Approved: installing %1.', packages)
      : trans.__('Declined: %1 will not be installed.', packages);
  }
  if (entry.request === 'tool') {
    return entry.approved
      ? trans.__('Approved: the tool is called.')
      : trans.__('Declined: the tool will not be called.');
  }
  if (entry.editedCode !== null) {
    return trans.__('Approved with your edits: the code above runs instead.');
  }
  if (entry.approved) {
    return trans.__('Approved: the cell runs.');
  }
  return entry.request === 'review'
    ? trans.__('Skipped: the cell will not run.')
    : trans.__('Declined: the cell will not run.');
}
