import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';
import React, { useEffect, useRef, useState } from 'react';

import type { ChatController } from '../controller';
import { chatIcon } from '../icons';
import type { ChatEntry, Conversation, IStepEntry } from '../model';
import type { IProblem } from '../protocol';
import { baseName, phaseLabel, usageLabel } from './labels';
import { Markdown } from './Markdown';
import { StepCard } from './StepCard';

/**
 * The "Code Interpreter" sidebar: the conversation of the target notebook,
 * the status of the running request and the message input.
 */
export class ChatPanel extends ReactWidget {
  constructor(options: ChatPanel.IOptions) {
    super();
    this._controller = options.controller;
    this._rendermime = options.rendermime;
    this.id = 'ci-jupyterlab-chat';
    this.addClass('jp-ci-ChatPanel');
    this.title.icon = chatIcon;
    this.title.caption = 'Code Interpreter';
  }

  protected render(): JSX.Element {
    const { model } = this._controller;
    return (
      <UseSignal signal={model.changed}>
        {() => (
          <ChatView
            controller={this._controller}
            rendermime={this._rendermime}
            onGoToCell={this._goToCell}
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

  /** One function for all step cards, so unchanged cards skip re-rendering. */
  private _goToCell = (step: IStepEntry): void => {
    void this._controller.goToStep(step);
  };
  private _controller: ChatController;
  private _rendermime: IRenderMimeRegistry;
}

export namespace ChatPanel {
  export interface IOptions {
    controller: ChatController;
    rendermime: IRenderMimeRegistry;
  }
}

interface IChatViewProps {
  controller: ChatController;
  rendermime: IRenderMimeRegistry;
  onGoToCell: (step: IStepEntry) => void;
}

function ChatView({
  controller,
  rendermime,
  onGoToCell
}: IChatViewProps): JSX.Element {
  const { model } = controller;
  const conversation = model.target;
  const problem = model.problem;
  return (
    <>
      <header className="jp-ci-Header">
        <div className="jp-ci-HeaderTitle">
          <span className="jp-ci-Title">Code Interpreter</span>
          {model.modelName && (
            <span className="jp-ci-ModelName" title="Language model">
              {model.modelName}
            </span>
          )}
        </div>
        <div
          className="jp-ci-Target"
          title={conversation?.path ?? 'Sending creates a new notebook'}
        >
          {conversation
            ? baseName(conversation.path)
            : 'No notebook open: sending creates one'}
        </div>
      </header>
      {conversation ? (
        <Messages
          conversation={conversation}
          rendermime={rendermime}
          onGoToCell={onGoToCell}
        />
      ) : (
        <div className="jp-ci-Messages jp-ci-Empty">{EMPTY_TEXT}</div>
      )}
      <footer className="jp-ci-Footer">
        <StatusLine
          conversation={conversation}
          connected={model.connection === 'open'}
        />
        {problem ? (
          <ProblemBox problem={problem} />
        ) : (
          <Composer controller={controller} />
        )}
      </footer>
    </>
  );
}

const EMPTY_TEXT =
  'Ask for an analysis, a table or a plot. The code runs as cells in your notebook, and failing cells are fixed.';

interface IMessagesProps {
  conversation: Conversation;
  rendermime: IRenderMimeRegistry;
  onGoToCell: (step: IStepEntry) => void;
}

/** The conversation, kept scrolled to the newest entry unless the user scrolled up. */
function Messages({
  conversation,
  rendermime,
  onGoToCell
}: IMessagesProps): JSX.Element {
  const scroller = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);

  useEffect(() => {
    // Markdown renders after React commits, so follow size changes instead
    // of renders.
    const observer = new ResizeObserver(() => {
      const node = scroller.current;
      if (node && pinned.current) {
        node.scrollTop = node.scrollHeight;
      }
    });
    observer.observe(content.current!);
    return () => observer.disconnect();
  }, []);

  const onScroll = () => {
    const node = scroller.current!;
    pinned.current =
      node.scrollHeight - node.scrollTop - node.clientHeight < 48;
  };

  const language = conversation.language ?? 'python';
  return (
    <div
      className="jp-ci-Messages"
      ref={scroller}
      onScroll={onScroll}
      role="log"
      aria-label="Conversation"
    >
      <div className="jp-ci-MessagesContent" ref={content}>
        {conversation.entries.length === 0 && (
          <div className="jp-ci-Empty">{EMPTY_TEXT}</div>
        )}
        {conversation.entries.map(entry => (
          <Entry
            key={entry.id}
            entry={entry}
            language={language}
            rendermime={rendermime}
            onGoToCell={onGoToCell}
          />
        ))}
      </div>
    </div>
  );
}

interface IEntryProps {
  entry: ChatEntry;
  language: string;
  rendermime: IRenderMimeRegistry;
  onGoToCell: (step: IStepEntry) => void;
}

function Entry({
  entry,
  language,
  rendermime,
  onGoToCell
}: IEntryProps): JSX.Element {
  switch (entry.kind) {
    case 'user':
      return (
        <div className="jp-ci-Message jp-ci-Message-user">{entry.text}</div>
      );
    case 'assistant':
      return (
        <div className="jp-ci-Message jp-ci-Message-assistant">
          <Markdown source={entry.text} rendermime={rendermime} />
        </div>
      );
    case 'step':
      return (
        <StepCard
          step={entry}
          language={language}
          rendermime={rendermime}
          onGoToCell={onGoToCell}
        />
      );
    case 'notice':
      return (
        <div
          className={entry.level === 'error' ? 'jp-ci-Error' : 'jp-ci-Notice'}
          role={entry.level === 'error' ? 'alert' : undefined}
        >
          <div className="jp-ci-NoticeMessage">{entry.message}</div>
          {entry.hint && <div className="jp-ci-Hint">{entry.hint}</div>}
        </div>
      );
  }
}

interface IStatusLineProps {
  conversation: Conversation | null;
  connected: boolean;
}

/** What the assistant is doing, and the tokens of the current or last request. */
function StatusLine({
  conversation,
  connected
}: IStatusLineProps): JSX.Element {
  let label = '';
  if (!connected) {
    label = 'Connecting to the server…';
  } else if (conversation?.status) {
    label = phaseLabel(conversation.status);
  } else if (conversation?.busy) {
    label = 'Sending…';
  }
  const busy = connected && conversation?.busy;
  return (
    <div className="jp-ci-StatusBar">
      <span
        className="jp-ci-Status"
        role="status"
        title={conversation?.status?.message ?? undefined}
      >
        {busy && <span className="jp-ci-Spinner" />}
        {label}
      </span>
      {conversation?.usage && (
        <span className="jp-ci-Usage">{usageLabel(conversation.usage)}</span>
      )}
    </div>
  );
}

/** The message input with its Send and Stop buttons. */
function Composer({ controller }: { controller: ChatController }): JSX.Element {
  const [text, setText] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);
  const busy = controller.model.target?.busy ?? false;
  const canSend = controller.canSend && text.trim() !== '';

  const send = async () => {
    if (!canSend) {
      return;
    }
    setText('');
    await controller.send(text);
    // Creating a notebook moves the focus there; bring it back.
    input.current?.focus();
  };

  const onKeyDown = (event: React.KeyboardEvent<HTMLTextAreaElement>) => {
    if (
      event.key === 'Enter' &&
      !event.shiftKey &&
      !event.nativeEvent.isComposing
    ) {
      event.preventDefault();
      void send();
    }
  };

  return (
    <form
      className="jp-ci-Composer"
      onSubmit={event => {
        event.preventDefault();
        void send();
      }}
    >
      <textarea
        ref={input}
        className="jp-ci-Input"
        aria-label="Message to the code interpreter"
        placeholder="Ask the code interpreter…"
        title="Enter sends, Shift+Enter starts a new line"
        rows={3}
        value={text}
        onChange={event => setText(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="jp-ci-Buttons">
        <button
          type="button"
          className="jp-ci-Button jp-ci-StopButton"
          aria-label="Stop"
          disabled={!busy}
          onClick={() => controller.stop()}
        >
          Stop
        </button>
        <button
          type="submit"
          className="jp-ci-Button jp-ci-SendButton"
          aria-label="Send"
          disabled={!canSend}
        >
          Send
        </button>
      </div>
    </form>
  );
}

/** Shown instead of the input while no model can be used. */
function ProblemBox({ problem }: { problem: IProblem }): JSX.Element {
  return (
    <div className="jp-ci-Problem jp-ci-Error" role="alert">
      <div className="jp-ci-NoticeMessage">{problem.message}</div>
      {problem.hint && <div className="jp-ci-Hint">{problem.hint}</div>}
    </div>
  );
}
