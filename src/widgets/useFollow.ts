import { RefObject, useEffect, useLayoutEffect, useRef, useState } from 'react';

import type { ChatEntry } from '../chat/entries';
import type { Conversation } from '../chat/model';

/** Within this many pixels of the end, the user is at the newest entry. */
const AT_END_PX = 48;
/** Room left above a card brought into view. */
const CARD_MARGIN_PX = 8;
/** Keys that scroll a focused log up, and all that scroll it. */
const UP_KEYS = new Set(['ArrowUp', 'PageUp', 'Home']);
const SCROLL_KEYS = new Set([
  ...UP_KEYS,
  'ArrowDown',
  'PageDown',
  'End',
  ' ',
  'Tab'
]);
/** How long after the user's wheel or key a scroll is still theirs. */
const USER_SCROLL_MS = 1000;

/** Where the user was in a conversation, to return there after showing another. */
interface IPlace {
  following: boolean;
  scrollTop: number;
  seen: IActivity;
}

/** What the conversation showed when the user scrolled away from its end. */
interface IActivity {
  count: number;
  last: ChatEntry | undefined;
  changeSets: number;
}

/**
 * Places per conversation, kept while the panel shows another one (or the
 * settings, or no notebook).
 */
const places = new WeakMap<Conversation, IPlace>();

export interface IFollow {
  /** Something new arrived below while the user reads further up. */
  behind: boolean;
  /** Go to the newest entry, and follow from there. */
  toEnd: () => void;
  /** The log's scroll handler. */
  onScroll: () => void;
}

/**
 * Keep a conversation's log at its newest entry while the user follows it.
 *
 * The user follows from the moment they send a request or answer a card
 * (see Conversation.followRequests), and whenever they scroll to the end;
 * they stop when they scroll up (wheel, keys, scrollbar, touch). Only the
 * user's scrolls count: the log's own (content that grew or shrank between
 * a scroll and its event, a button scrolled into view) never stop it. A card waiting for the user's answer (an
 * approval, a question) is brought into view once, wherever the user was. Showing another
 * conversation and coming back returns to where the user was in it.
 *
 * `behind` is true only for new entries (or entries that changed) since the
 * user scrolled away, never for a re-layout (a narrower panel, an output
 * folding).
 */
export function useFollow(
  scroller: RefObject<HTMLElement>,
  content: RefObject<HTMLElement>,
  conversation: Conversation
): IFollow {
  const [behind, setBehind] = useState(false);
  const following = useRef(true);
  // Where the log was last put or seen.
  const lastTop = useRef(0);
  // The user's last wheel, scrolling key or release of the scrollbar; and
  // whether they hold the scrollbar (or touch the log) now.
  const userInputAt = useRef(-Infinity);
  const held = useRef(false);
  const seen = useRef<IActivity>(activityOf(conversation));
  const activity = useRef<IActivity>(activityOf(conversation));
  const followRequests = useRef(conversation.followRequests);
  const revealedCard = useRef<string | null>(null);
  activity.current = activityOf(conversation);

  // Where to return in a conversation shown again, until its content is tall enough to.
  const restoreTo = useRef<number | null>(null);
  const restore = (node: HTMLElement) => {
    node.scrollTop = restoreTo.current!;
    lastTop.current = node.scrollTop;
    if (node.scrollTop >= restoreTo.current! - 1) {
      restoreTo.current = null;
    }
  };

  const stopFollowing = () => {
    restoreTo.current = null;
    if (following.current) {
      following.current = false;
      seen.current = activity.current;
    }
  };

  /** Put the log at its end, or at the pending card when that card does not fit below. */
  const goToEnd = () => {
    const node = scroller.current;
    if (!node) {
      return;
    }
    const card = pendingCard(node);
    const end = node.scrollHeight - node.clientHeight;
    node.scrollTop = card ? Math.min(end, cardTop(node, card)) : end;
    lastTop.current = node.scrollTop;
  };

  /** Follow or show that there is more below; called after every change of size or content. */
  const settle = () => {
    const node = scroller.current;
    if (!node) {
      return;
    }
    const pending = pendingCardId(conversation);
    if (pending !== null && pending !== revealedCard.current) {
      // Nothing goes on until the user answers: show the card, once.
      revealedCard.current = pending;
      const card = pendingCard(node);
      if (card && !following.current) {
        revealCard(node, card);
        lastTop.current = node.scrollTop;
      }
    }
    if (following.current) {
      goToEnd();
      setBehind(false);
    } else {
      if (restoreTo.current !== null) {
        restore(node);
      }
      setBehind(isNewer(activity.current, seen.current));
    }
  };
  const latestSettle = useRef(settle);
  latestSettle.current = settle;

  const toEnd = () => {
    following.current = true;
    goToEnd();
    setBehind(false);
  };

  // Another conversation shown: return to where the user was in it (its
  // end the first time); where they were in the last one is kept.
  useLayoutEffect(() => {
    const node = scroller.current!;
    followRequests.current = conversation.followRequests;
    revealedCard.current = null;
    const place = places.get(conversation);
    following.current = place?.following ?? true;
    seen.current = place?.seen ?? activity.current;
    restoreTo.current = place && !place.following ? place.scrollTop : null;
    if (restoreTo.current === null) {
      goToEnd();
    } else {
      restore(node);
    }
    // Also when the log goes (the settings view, no notebook open).
    return () => {
      places.set(conversation, {
        following: following.current,
        scrollTop: lastTop.current,
        seen: seen.current
      });
    };
  }, [conversation]);

  // The user sent a request or answered a card: follow it.
  useLayoutEffect(() => {
    if (conversation.followRequests !== followRequests.current) {
      followRequests.current = conversation.followRequests;
      following.current = true;
    }
  });

  // Every render may have changed the content.
  useLayoutEffect(settle);

  useEffect(() => {
    const node = scroller.current!;
    // Markdown and outputs render after React commits: follow sizes too.
    const observer = new ResizeObserver(() => latestSettle.current());
    observer.observe(content.current!);
    // Markdown and outputs may also finish within the frame they started in
    // (another conversation shown and back): the size the observer last saw
    // is back, and it says nothing. Their nodes changed: settle once drawn.
    let frame = 0;
    const mutations = new MutationObserver(() => {
      if (frame === 0) {
        frame = window.requestAnimationFrame(() => {
          frame = 0;
          latestSettle.current();
        });
      }
    });
    mutations.observe(content.current!, { childList: true, subtree: true });
    // What the user does to scroll. Going up is known before the scroll it
    // causes (which a growing log could otherwise undo); the scroll events
    // that follow are theirs.
    const onWheel = (event: WheelEvent) => {
      userInputAt.current = performance.now();
      if (event.deltaY < 0) {
        stopFollowing();
      }
    };
    const onKeyDown = (event: KeyboardEvent) => {
      if (!SCROLL_KEYS.has(event.key) || isTextInput(event.target)) {
        return;
      }
      userInputAt.current = performance.now();
      if (UP_KEYS.has(event.key) || (event.key === 'Tab' && event.shiftKey)) {
        stopFollowing();
      }
    };
    // A press on the log itself (not on its content) is on its scrollbar;
    // a touch anywhere drags it.
    const onPointerDown = (event: PointerEvent) => {
      if (event.target === node || event.pointerType === 'touch') {
        held.current = true;
      }
    };
    const onPointerUp = () => {
      held.current = false;
      userInputAt.current = performance.now();
    };
    node.addEventListener('wheel', onWheel, { passive: true });
    node.addEventListener('keydown', onKeyDown);
    node.addEventListener('pointerdown', onPointerDown);
    window.addEventListener('pointerup', onPointerUp);
    window.addEventListener('pointercancel', onPointerUp);
    return () => {
      observer.disconnect();
      mutations.disconnect();
      window.cancelAnimationFrame(frame);
      node.removeEventListener('wheel', onWheel);
      node.removeEventListener('keydown', onKeyDown);
      node.removeEventListener('pointerdown', onPointerDown);
      window.removeEventListener('pointerup', onPointerUp);
      window.removeEventListener('pointercancel', onPointerUp);
    };
  }, []);

  const onScroll = () => {
    const node = scroller.current!;
    const top = node.scrollTop;
    const movedUp = top < lastTop.current - 1;
    lastTop.current = top;
    // Only the user's scrolls say where they want to be. The log's own (it
    // was put somewhere, its content grew or shrank, a button was scrolled
    // into view to be clicked) say nothing, whatever the content did
    // between them and their event.
    const byUser =
      held.current || performance.now() - userInputAt.current < USER_SCROLL_MS;
    if (!byUser) {
      return;
    }
    restoreTo.current = null;
    if (distanceToEnd(node) < AT_END_PX) {
      following.current = true;
      setBehind(false);
    } else if (movedUp) {
      stopFollowing();
    }
  };

  return { behind, toEnd, onScroll };
}

function activityOf(conversation: Conversation): IActivity {
  const { entries } = conversation;
  return {
    count: entries.length,
    last: entries[entries.length - 1],
    changeSets: conversation.changeSets.length
  };
}

/** Whether entries came or changed at the end since `before`. */
function isNewer(now: IActivity, before: IActivity): boolean {
  return (
    now.count !== before.count ||
    now.last !== before.last ||
    now.changeSets !== before.changeSets
  );
}

/** Whether keys typed there edit text rather than scroll. */
function isTextInput(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable ||
      target.tagName === 'TEXTAREA' ||
      target.tagName === 'INPUT' ||
      target.tagName === 'SELECT')
  );
}

function distanceToEnd(node: HTMLElement): number {
  return node.scrollHeight - node.scrollTop - node.clientHeight;
}

/** The id of the card the running request waits on, if any. */
function pendingCardId(conversation: Conversation): string | null {
  return conversation.waitingCard?.id ?? null;
}

/** The card that waits for the user, if it is shown. */
function pendingCard(scroller: HTMLElement): HTMLElement | null {
  return scroller.querySelector<HTMLElement>(
    '.jp-ci-Approval.jp-mod-pending, .jp-ci-Question.jp-mod-pending'
  );
}

/** The log's scrollTop that puts the top of a card at its top, with a margin. */
function cardTop(scroller: HTMLElement, card: HTMLElement): number {
  const offset =
    card.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
  return Math.max(0, scroller.scrollTop + offset - CARD_MARGIN_PX);
}

/** Scroll so the whole card shows, or its top when it is taller than the log. */
function revealCard(scroller: HTMLElement, card: HTMLElement): void {
  const top = cardTop(scroller, card);
  const fits = card.offsetHeight + 2 * CARD_MARGIN_PX <= scroller.clientHeight;
  const bottom = top + card.offsetHeight + 2 * CARD_MARGIN_PX;
  if (!fits) {
    scroller.scrollTop = top;
  } else if (scroller.scrollTop > top) {
    scroller.scrollTop = top;
  } else if (scroller.scrollTop + scroller.clientHeight < bottom) {
    scroller.scrollTop = bottom - scroller.clientHeight;
  }
}
