import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useMemo, useRef } from 'react';

import type { ChatEntry, IChangeSet } from '../chat/entries';
import type { Conversation } from '../chat/model';
import type { IEntryActions } from './actions';
import { notebookRendermime } from '../rendering/chatRendermime';
import { ChangesCard } from './ChangesCard';
import { useFollow } from './useFollow';
import { useScrollCues } from './useScrollCues';
import { Entry } from './Entry';

/** What an empty conversation shows. */
export function emptyText(trans: TranslationBundle): string {
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
export function Messages({
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
