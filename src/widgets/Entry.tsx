import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { ChatEntry } from '../chat/entries';
import type { IEntryActions } from './actions';
import { ApprovalCard } from './ApprovalCard';
import { AssistantMessage } from './AssistantMessage';
import { ToolCard } from './ToolCard';
import { QuestionCard } from './QuestionCard';
import { ExportCard } from './ExportCard';
import { KernelCard } from './KernelCard';
import { NoticeCard } from './NoticeCard';
import { RulesLine } from './RulesLine';
import { StepCard } from './StepCard';

interface IEntryProps {
  entry: ChatEntry;
  /** A step's number within its request. */
  stepNumber: number;
  language: string;
  rendermime: IRenderMimeRegistry;
  actions: IEntryActions;
  trans: TranslationBundle;
  collapsedHeight: number;
}

/** One entry of the conversation, as its card or message. */
export function Entry({
  entry,
  stepNumber,
  language,
  rendermime,
  actions,
  trans,
  collapsedHeight
}: IEntryProps): JSX.Element {
  switch (entry.kind) {
    case 'user':
      return (
        <div className="jp-ci-Message jp-ci-Message-user">
          {entry.client && (
            <div className="jp-ci-MessageClient">
              {trans.__('from %1 (MCP)', entry.client)}
            </div>
          )}
          {entry.text}
          {entry.attachments.length > 0 && (
            <div className="jp-ci-SentFiles">
              {trans.__('Attached: %1', entry.attachments.join(', '))}
            </div>
          )}
          {entry.rules.length > 0 && (
            <RulesLine files={entry.rules} actions={actions} trans={trans} />
          )}
        </div>
      );
    case 'assistant':
      return (
        <AssistantMessage entry={entry} rendermime={rendermime} trans={trans} />
      );
    case 'step':
      return (
        <StepCard
          step={entry}
          number={stepNumber}
          language={language}
          rendermime={rendermime}
          actions={actions}
          trans={trans}
          collapsedHeight={collapsedHeight}
        />
      );
    case 'approval':
      return <ApprovalCard entry={entry} actions={actions} trans={trans} />;
    case 'tool':
      return <ToolCard entry={entry} trans={trans} />;
    case 'question':
      return <QuestionCard entry={entry} actions={actions} trans={trans} />;
    case 'export':
      return <ExportCard entry={entry} actions={actions} trans={trans} />;
    case 'kernel':
      return <KernelCard entry={entry} actions={actions} trans={trans} />;
    case 'notice':
      return <NoticeCard entry={entry} actions={actions} trans={trans} />;
  }
}
