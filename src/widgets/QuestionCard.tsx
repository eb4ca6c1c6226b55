import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { IQuestionEntry } from '../chat/entries';
import type { IEntryActions } from './actions';

export interface IQuestionCardProps {
  entry: IQuestionEntry;
  actions: IEntryActions;
  trans: TranslationBundle;
}

/**
 * The assistant pauses to ask the user to choose (its `ask_user` tool): one
 * button per option, and a box for an answer of the user's own. The request
 * waits, across reloads, until one is given; then the card shows the answer.
 */
export const QuestionCard = React.memo(function QuestionCard({
  entry,
  actions,
  trans
}: IQuestionCardProps): JSX.Element {
  const [draft, setDraft] = React.useState('');
  const { answer } = entry;
  const sendDraft = (): void => {
    if (draft.trim()) {
      actions.answerQuestion(entry, draft.trim());
    }
  };
  return (
    <div
      className={
        answer === null ? 'jp-ci-Question jp-mod-pending' : 'jp-ci-Question'
      }
      role="group"
      aria-label={trans.__('Question from the assistant')}
    >
      <div className="jp-ci-ApprovalQuestion">{entry.question}</div>
      {answer === null ? (
        <>
          <div className="jp-ci-QuestionOptions">
            {entry.options.map((option, index) => (
              <button
                key={index}
                type="button"
                className="jp-ci-Button jp-ci-QuestionOption"
                onClick={() => actions.answerQuestion(entry, index)}
              >
                {option}
              </button>
            ))}
          </div>
          <div className="jp-ci-QuestionOwn">
            <input
              className="jp-ci-Input"
              aria-label={trans.__('Your own answer')}
              placeholder={trans.__('Or write your own answer…')}
              value={draft}
              onChange={event => setDraft(event.target.value)}
              onKeyDown={event => {
                if (event.key === 'Enter') {
                  event.preventDefault();
                  sendDraft();
                }
              }}
            />
            <button
              type="button"
              className="jp-ci-Button"
              disabled={!draft.trim()}
              onClick={sendDraft}
            >
              {trans.__('Send answer')}
            </button>
          </div>
        </>
      ) : (
        <div className="jp-ci-ApprovalDecision" role="status">
          {answer.option !== null
            ? trans.__('You chose: %1', entry.options[answer.option] ?? '')
            : trans.__('You answered: %1', answer.text)}
        </div>
      )}
    </div>
  );
});
