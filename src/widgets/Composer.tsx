import type { TranslationBundle } from '@jupyterlab/translation';
import type { CommandRegistry } from '@lumino/commands';
import React, { useEffect, useRef, useState } from 'react';

import { CommandIDs } from '../commands';
import type { ChatController } from '../controller';
import type { Draft } from '../chat/draft';
import { paperclipIcon } from '../icons';
import type { Conversation } from '../chat/model';

interface IComposerProps {
  controller: ChatController;
  commands: CommandRegistry;
  /** What the input holds; it outlives this widget (see Draft). */
  draft: Draft;
  /** The shown conversation: a request of it that fails gives its text back. */
  conversation: Conversation | null;
  trans: TranslationBundle;
}

/**
 * The message input with its Attach, Send and Stop buttons; Send and Stop
 * run their commands.
 */
export function Composer({
  controller,
  commands,
  draft,
  conversation,
  trans
}: IComposerProps): JSX.Element {
  const text = useDraftText(draft);
  useFailedTextBack(conversation, draft);
  const input = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const canSend = commands.isEnabled(CommandIDs.send, { text });
  const canStop = commands.isEnabled(CommandIDs.stop);

  const send = async () => {
    if (!canSend) {
      return;
    }
    draft.text = '';
    await commands.execute(CommandIDs.send, { text });
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
        aria-label={trans.__('Message to the code interpreter')}
        placeholder={trans.__('Ask the code interpreter…')}
        title={trans.__('Enter sends, Shift+Enter starts a new line')}
        rows={3}
        value={text}
        onChange={event => (draft.text = event.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="jp-ci-Buttons">
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          className="jp-ci-FilePicker"
          aria-label={trans.__('Files to attach')}
          onChange={event => {
            const files = Array.from(event.target.files ?? []);
            event.target.value = '';
            void controller.attach(files);
          }}
        />
        <button
          type="button"
          className="jp-ci-IconButton jp-ci-AttachButton"
          aria-label={trans.__('Attach files')}
          title={trans.__('Attach files: they are saved next to the notebook')}
          onClick={() => picker.current?.click()}
        >
          <paperclipIcon.react tag="span" />
        </button>
        <button
          type="button"
          className="jp-ci-Button jp-ci-StopButton"
          aria-label={trans.__('Stop')}
          disabled={!canStop}
          onClick={async () => {
            await commands.execute(CommandIDs.stop);
            input.current?.focus();
          }}
        >
          {trans.__('Stop')}
        </button>
        <button
          type="submit"
          className="jp-ci-Button jp-ci-SendButton"
          aria-label={trans.__('Send')}
          disabled={!canSend}
        >
          {trans.__('Send')}
        </button>
      </div>
    </form>
  );
}

/** The draft's text, rendered again when it changes. */
function useDraftText(draft: Draft): string {
  const [text, setText] = useState(draft.text);
  useEffect(() => {
    const follow = (_: Draft, changed: string) => setText(changed);
    setText(draft.text);
    draft.changed.connect(follow);
    return () => {
      draft.changed.disconnect(follow);
    };
  }, [draft]);
  return text;
}

/**
 * A request that fails while the input is shown puts its text back in the
 * input, unless the user typed something else meanwhile: nothing typed is
 * lost to a failure (its notice also offers Retry). Failures shown before
 * (a history restored after a reload) leave the input alone.
 */
function useFailedTextBack(
  conversation: Conversation | null,
  draft: Draft
): void {
  // Per conversation, the failures already there when the input first showed it.
  const known = useRef(new WeakMap<Conversation, Set<string>>());
  const failed = (conversation?.entries ?? []).flatMap(entry =>
    entry.kind === 'notice' && entry.retry ? [entry] : []
  );
  let seen = conversation ? known.current.get(conversation) : undefined;
  if (conversation && !seen) {
    seen = new Set(failed.map(entry => entry.id));
    known.current.set(conversation, seen);
  }
  const latest = failed[failed.length - 1];
  useEffect(() => {
    if (!latest?.retry || !seen || seen.has(latest.id)) {
      return;
    }
    seen.add(latest.id);
    if (draft.text.trim() === '') {
      draft.text = latest.retry;
    }
  }, [latest?.id, conversation]);
}
