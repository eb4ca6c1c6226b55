import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import {
  ReactWidget,
  settingsIcon,
  UseSignal
} from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import type { Message } from '@lumino/messaging';
import React, { useMemo, useRef, useState } from 'react';

import { CommandIDs } from '../commands';
import { checkConnection } from '../server/connectionCheck';
import type { ChatController } from '../controller';
import type { ChatEntry, IChangeSet } from '../chat/entries';
import { chatIcon, exportNotebookIcon } from '../icons';
import type { Conversation } from '../chat/model';
import type { Preferences } from '../settings/preferences';
import type { IProblem } from '../server/protocol';
import type { IEntryActions } from './actions';
import { notebookRendermime } from '../rendering/chatRendermime';
import { ApprovalCard } from './ApprovalCard';
import { AssistantMessage } from './AssistantMessage';
import { ToolCard } from './ToolCard';
import { QuestionCard } from './QuestionCard';
import { Attachments } from './Attachments';
import { CellChip } from './CellChip';
import { ChangesCard } from './ChangesCard';
import { Composer } from './Composer';
import { ExportCard } from './ExportCard';
import { KernelCard } from './KernelCard';
import { baseName } from './labels';
import { NoticeCard } from './NoticeCard';
import { RulesLine } from './RulesLine';
import { SettingsView } from '../settings/SettingsView';
import { StatusLine } from './StatusLine';
import { StepCard } from './StepCard';
import { useFollow } from './useFollow';
import { useScrollCues } from './useScrollCues';

/** Marks the panel while files are dragged over it. */
const DROP_TARGET_CLASS = 'jp-mod-dropTarget';

/**
 * The "Code Interpreter" sidebar: the conversation of the target notebook,
 * the status of the running request and the message input. Its Send, Stop
 * and Export buttons run the extension's commands (see CommandIDs). Files
 * dropped on it are attached to the next request.
 */
export class ChatPanel extends ReactWidget {
  constructor(options: ChatPanel.IOptions) {
    super();
    this._controller = options.controller;
    this._commands = options.commands;
    this._rendermime = options.rendermime;
    this._trans = options.trans;
    this._preferences = options.preferences;
    // A preference changed: render again, with it.
    this._preferences.changed.connect(() => this.update(), this);
    // The configuration may arrive after the panel is shown.
    this._controller.model.changed.connect(this._checkConnection, this);
    this.id = 'ci-jupyterlab-chat';
    this.addClass('jp-ci-ChatPanel');
    this.title.icon = chatIcon;
    this.title.caption = this._trans.__('Code Interpreter');
  }

  protected render(): JSX.Element {
    const { model } = this._controller;
    return (
      <UseSignal signal={model.changed}>
        {() => (
          <ChatView
            controller={this._controller}
            commands={this._commands}
            rendermime={this._rendermime}
            trans={this._trans}
            collapsedHeight={this._preferences.values.collapsedOutputHeight}
          />
        )}
      </UseSignal>
    );
  }

  /** Opening the panel puts the cursor in the message input. */
  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    // One frame later: the command palette hands the focus back to the
    // notebook right after running our open command.
    window.requestAnimationFrame(() => {
      if (this.isVisible) {
        this.node.querySelector<HTMLTextAreaElement>('.jp-ci-Input')?.focus();
      }
    });
  }

  /** Handle the DOM events of dragging files onto the panel, and Escape. */
  handleEvent(event: Event): void {
    if (event.type === 'keydown') {
      this._onKeyDown(event as KeyboardEvent);
      return;
    }
    const drag = event as DragEvent;
    if (!drag.dataTransfer?.types.includes('Files')) {
      return;
    }
    switch (event.type) {
      case 'dragenter':
      case 'dragover':
        drag.preventDefault();
        drag.dataTransfer.dropEffect = 'copy';
        this.addClass(DROP_TARGET_CLASS);
        break;
      case 'dragleave':
        if (!this.node.contains(drag.relatedTarget as Node | null)) {
          this.removeClass(DROP_TARGET_CLASS);
        }
        break;
      case 'drop':
        drag.preventDefault();
        drag.stopPropagation();
        this.removeClass(DROP_TARGET_CLASS);
        void this._controller.attach(Array.from(drag.dataTransfer.files));
        break;
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._checkConnection();
  }

  /**
   * Once per page, when the panel shows with a model configured: check that
   * the model server answers (see checkConnection).
   */
  private _checkConnection(): void {
    const { model } = this._controller;
    if (
      this._connectionChecked ||
      !this.isVisible ||
      !model.config?.configured
    ) {
      return;
    }
    this._connectionChecked = true;
    void checkConnection(model, this._trans);
  }

  /** Escape anywhere in the panel stops the running request; the input gets the focus. */
  private _onKeyDown(event: KeyboardEvent): void {
    if (event.key !== 'Escape' || !this._commands.isEnabled(CommandIDs.stop)) {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    void this._commands.execute(CommandIDs.stop).then(() => {
      this.node.querySelector<HTMLTextAreaElement>('.jp-ci-Input')?.focus();
    });
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.node.addEventListener('keydown', this);
    for (const type of DRAG_EVENTS) {
      this.node.addEventListener(type, this);
    }
  }

  protected onBeforeDetach(msg: Message): void {
    this.node.removeEventListener('keydown', this);
    for (const type of DRAG_EVENTS) {
      this.node.removeEventListener(type, this);
    }
    super.onBeforeDetach(msg);
  }

  private _controller: ChatController;
  private _commands: CommandRegistry;
  private _rendermime: IRenderMimeRegistry;
  private _trans: TranslationBundle;
  private _preferences: Preferences;
  private _connectionChecked = false;
}

const DRAG_EVENTS = ['dragenter', 'dragover', 'dragleave', 'drop'];

export namespace ChatPanel {
  export interface IOptions {
    controller: ChatController;
    /** Where the buttons' commands are (see addCommands). */
    commands: CommandRegistry;
    rendermime: IRenderMimeRegistry;
    /** The extension's strings. */
    trans: TranslationBundle;
    /** The height above which outputs collapse (the panel follows it). */
    preferences: Preferences;
  }
}

interface IChatViewProps {
  controller: ChatController;
  commands: CommandRegistry;
  rendermime: IRenderMimeRegistry;
  trans: TranslationBundle;
  collapsedHeight: number;
}

function ChatView({
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

/** What an empty conversation shows. */
function emptyText(trans: TranslationBundle): string {
  return trans.__(
    'Ask for an analysis, a table or a plot. The code runs as cells in your notebook, and failing cells are fixed.'
  );
}

interface IMessagesProps {
  conversation: Conversation;
  rendermime: IRenderMimeRegistry;
  actions: IEntryActions;
  trans: TranslationBundle;
  /** The height above which a step's outputs collapse. */
  collapsedHeight: number;
}

/** The conversation, following the newest entry unless the user scrolled up (see useFollow). */
function Messages({
  conversation,
  rendermime,
  actions,
  trans,
  collapsedHeight
}: IMessagesProps): JSX.Element {
  const scroller = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const { behind, toEnd, onScroll } = useFollow(
    scroller,
    content,
    conversation
  );
  useScrollCues(content, trans);

  const language = conversation.language ?? 'python';
  const notebookOutputs = useMemo(
    () => notebookRendermime(rendermime, conversation.path),
    [rendermime, conversation.path]
  );
  return (
    <div className="jp-ci-MessagesFrame">
      <div
        className="jp-ci-Messages"
        ref={scroller}
        onScroll={onScroll}
        role="log"
        aria-label={trans.__('Conversation')}
        tabIndex={0}
      >
        <div className="jp-ci-MessagesContent" ref={content}>
          {conversation.entries.length === 0 && (
            <div className="jp-ci-Empty">{emptyText(trans)}</div>
          )}
          {withChangeCards(conversation).map(item =>
            item.kind === 'changes' ? (
              <ChangesCard
                key={item.set.id}
                set={item.set}
                firstStep={item.firstStep}
                busy={conversation.busy}
                actions={actions}
                trans={trans}
              />
            ) : (
              <Entry
                key={item.entry.id}
                entry={item.entry}
                stepNumber={item.stepNumber}
                language={language}
                rendermime={notebookOutputs}
                actions={actions}
                trans={trans}
                collapsedHeight={collapsedHeight}
              />
            )
          )}
        </div>
      </div>
      {behind && (
        <button
          type="button"
          className="jp-ci-NewActivity"
          aria-label={trans.__('Jump to new activity')}
          onClick={toEnd}
        >
          {trans.__('New activity ↓')}
        </button>
      )}
    </div>
  );
}

/**
 * An entry (a step's with its number within its request), or the change
 * card of a request (with the server's number of its first step).
 */
type Item =
  | { kind: 'entry'; entry: ChatEntry; stepNumber: number }
  | { kind: 'changes'; set: IChangeSet; firstStep: number | null };

/**
 * The conversation's entries with each request's change card at the end of
 * that request: before the next request's user entry, or at the end.
 */
function withChangeCards(conversation: Conversation): Item[] {
  const cards = new Map<string | null, IChangeSet[]>();
  for (const set of conversation.changeSets) {
    cards.set(set.userEntryId, [...(cards.get(set.userEntryId) ?? []), set]);
  }
  const items: Item[] = [];
  const close = (userEntryId: string | null, firstStep: number | null) => {
    for (const set of cards.get(userEntryId) ?? []) {
      items.push({ kind: 'changes', set, firstStep });
    }
    cards.delete(userEntryId);
  };
  let request: string | null = null;
  // The server numbers steps across the conversation, one after the other;
  // each request shows its own from 1.
  let firstStep: number | null = null;
  for (const entry of conversation.entries) {
    if (entry.kind === 'user') {
      close(request, firstStep);
      request = entry.id;
      firstStep = null;
    }
    let stepNumber = 0;
    if (entry.kind === 'step') {
      firstStep ??= entry.step;
      stepNumber = entry.step - firstStep + 1;
    }
    items.push({ kind: 'entry', entry, stepNumber });
  }
  close(request, firstStep);
  // Cards whose request is not shown (it should not happen) go last.
  for (const sets of cards.values()) {
    items.push(
      ...sets.map(set => ({ kind: 'changes' as const, set, firstStep: null }))
    );
  }
  return items;
}

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

function Entry({
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

interface IProblemBoxProps {
  problem: IProblem;
  /** Offered when the settings view can fix the problem. */
  onOpenSettings?: () => void;
  /** Offered for a warning the user may put aside. */
  onDismiss?: () => void;
  /** By default the error that replaces the input. */
  className?: string;
  trans: TranslationBundle;
}

/**
 * Shown instead of the input while no model can be used; as a warning above
 * it when the model server did not answer the check on opening.
 */
function ProblemBox({
  problem,
  onOpenSettings,
  onDismiss,
  className = 'jp-ci-Problem jp-ci-Error',
  trans
}: IProblemBoxProps): JSX.Element {
  return (
    <div className={className} role="alert">
      <div className="jp-ci-NoticeMessage">{problem.message}</div>
      {problem.hint && <div className="jp-ci-Hint">{problem.hint}</div>}
      {onOpenSettings && (
        <div className="jp-ci-Buttons">
          <button
            type="button"
            className="jp-ci-Button jp-ci-PrimaryButton"
            aria-label={trans.__('Open settings')}
            onClick={onOpenSettings}
          >
            {trans.__('Open settings')}
          </button>
          {onDismiss && (
            <button
              type="button"
              className="jp-ci-Button"
              aria-label={trans.__('Dismiss the warning')}
              onClick={onDismiss}
            >
              {trans.__('Dismiss')}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
