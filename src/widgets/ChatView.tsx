import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import { settingsIcon } from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import React, { useState } from 'react';

import { CommandIDs } from '../commands';
import type { ChatController } from '../controller';
import { exportNotebookIcon } from '../icons';
import { Attachments } from './Attachments';
import { CellChip } from './CellChip';
import { Composer } from './Composer';
import { baseName } from './labels';
import { SettingsView } from '../settings/SettingsView';
import { StatusLine } from './StatusLine';
import { emptyText, Messages } from './Messages';
import { ProblemBox } from './ProblemBox';

interface IChatViewProps {
  controller: ChatController;
  commands: CommandRegistry;
  rendermime: IRenderMimeRegistry;
  trans: TranslationBundle;
  collapsedHeight: number;
}

/**
 * What the panel shows: its header, the conversation (or the settings view),
 * the status of the running request and the message input.
 */
export function ChatView({
  controller,
  commands,
  rendermime,
  trans,
  collapsedHeight
}: IChatViewProps): JSX.Element {
  const { model } = controller;
  const conversation = model.target;
  const problem = model.problem;
  // The settings view replaces the conversation until the user goes back.
  const [settingsOpen, setSettingsOpen] = useState(false);
  // Only a model that is not configured yet can be set up from the panel.
  const openSettings =
    model.config && !model.config.configured
      ? () => setSettingsOpen(true)
      : undefined;
  const header = (
    <header className="jp-ci-Header">
      <div className="jp-ci-HeaderTitle">
        <span className="jp-ci-Title">{trans.__('Code Interpreter')}</span>
        <button
          type="button"
          className="jp-ci-IconButton jp-ci-ExportButton"
          aria-label={trans.__('Export reproducible notebook')}
          title={trans.__(
            'Export a clean copy of the notebook, verified in a fresh kernel'
          )}
          disabled={!commands.isEnabled(CommandIDs.exportNotebook)}
          onClick={() => void commands.execute(CommandIDs.exportNotebook)}
        >
          <exportNotebookIcon.react tag="span" />
        </button>
        <button
          type="button"
          className="jp-ci-IconButton jp-ci-SettingsButton"
          aria-label={trans.__('Settings')}
          aria-pressed={settingsOpen}
          title={
            settingsOpen
              ? trans.__('Back to the chat')
              : trans.__('Settings: model server, API key, limits')
          }
          onClick={() => setSettingsOpen(!settingsOpen)}
        >
          <settingsIcon.react tag="span" />
        </button>
      </div>
      <div className="jp-ci-HeaderLine">
        <span className="jp-ci-HeaderLabel">{trans.__('Notebook:')} </span>
        <span
          className="jp-ci-Target"
          title={
            conversation?.path ?? trans.__('Sending creates a new notebook')
          }
        >
          {conversation
            ? baseName(conversation.path)
            : trans.__('No notebook open: sending creates one')}
        </span>
      </div>
      {model.modelName && (
        <div className="jp-ci-HeaderLine" title={trans.__('Language model')}>
          <span className="jp-ci-HeaderLabel">{trans.__('Model:')} </span>
          <span className="jp-ci-ModelName">{model.modelName}</span>
        </div>
      )}
    </header>
  );
  if (settingsOpen) {
    return (
      <>
        {header}
        <SettingsView
          onSaved={() => controller.reloadConfig()}
          trans={trans}
          onClose={() => setSettingsOpen(false)}
        />
      </>
    );
  }
  return (
    <>
      {header}
      {conversation ? (
        <Messages
          conversation={conversation}
          rendermime={rendermime}
          actions={controller}
          trans={trans}
          collapsedHeight={collapsedHeight}
        />
      ) : (
        <div className="jp-ci-Messages jp-ci-Empty">{emptyText(trans)}</div>
      )}
      <footer className="jp-ci-Footer">
        {!problem && model.connectionWarning && (
          <ProblemBox
            problem={model.connectionWarning}
            onOpenSettings={() => setSettingsOpen(true)}
            onDismiss={() => (model.connectionWarning = null)}
            className="jp-ci-ConnectionWarning jp-ci-Notice"
            trans={trans}
          />
        )}
        <StatusLine
          conversation={conversation}
          connected={model.connection === 'open'}
          trans={trans}
        />
        {conversation && (
          <Attachments conversation={conversation} trans={trans} />
        )}
        {conversation && <CellChip conversation={conversation} trans={trans} />}
        {problem ? (
          <ProblemBox
            problem={problem}
            onOpenSettings={openSettings}
            trans={trans}
          />
        ) : (
          <Composer
            controller={controller}
            commands={commands}
            draft={controller.draft}
            conversation={conversation}
            trans={trans}
          />
        )}
      </footer>
    </>
  );
}
