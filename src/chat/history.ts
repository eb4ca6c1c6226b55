/**
 * The saved conversation of a notebook: found on the server and turned back
 * into chat entries, so that a reloaded page shows it and continues it.
 */
import * as nbformat from '@jupyterlab/nbformat';
import type { TranslationBundle } from '@jupyterlab/translation';

import {
  assistantEntry,
  ChatEntry,
  doneNotice,
  IStepEntry,
  nextId,
  StepState,
  userEntry
} from './entries';
import type { Conversation, Usage } from './model';
import {
  ICellError,
  IRecordedAttempt,
  IRecordedRequest,
  isRunStatus
} from '../server/protocol';
import { APIError, fetchSession, fetchSessions } from '../server/request';

/**
 * Continue the notebook's newest saved session in this conversation, if the
 * server has one: the conversation takes its id and shows its history, every
 * message it showed replayed in order (records older than that list only
 * their requests, steps and answers). Resolves with the session id restored.
 *
 * Any failure (no saved session, or a server without the sessions
 * endpoints) leaves the conversation as it is, a fresh session; a saved
 * session the server cannot read is said in the conversation.
 */
export async function restoreConversation(
  conversation: Conversation,
  trans: TranslationBundle
): Promise<string | null> {
  try {
    const [newest] = await fetchSessions(conversation.path);
    if (!newest) {
      return null;
    }
    const { id, record } = await fetchSession(newest.id);
    if (conversation.busy || conversation.entries.length > 0) {
      return null; // The user started without the history meanwhile.
    }
    if (record.events && record.events.length > 0) {
      conversation.replay(id, record.events);
      return id;
    }
    const last = record.requests[record.requests.length - 1];
    conversation.restore(
      id,
      record.requests.flatMap(request => requestEntries(id, request, trans)),
      last ? recordedUsage(last) : null,
      record.requests
        .slice(0, -1)
        .reduce((spent, request) => spent + (request.cost ?? 0), 0)
    );
    return id;
  } catch (error) {
    if (error instanceof APIError && error.response.status === 422) {
      // Saved, but unreadable: say so; this conversation starts afresh.
      conversation.addNotice(error.message, error.hint);
    } else {
      console.debug('ci-jupyterlab: no saved conversation restored', error);
    }
    return null;
  }
}

/** The chat entries of one recorded request, in the order they happened. */
function requestEntries(
  session: string,
  request: IRecordedRequest,
  trans: TranslationBundle
): ChatEntry[] {
  const entries: ChatEntry[] = [
    userEntry(request.text, [], request.client ?? null)
  ];
  for (const step of request.steps) {
    step.attempts.forEach((attempt, index) =>
      entries.push(attemptEntry(session, step.number, index + 1, attempt))
    );
  }
  if (request.answer) {
    entries.push(assistantEntry(request.answer));
  }
  const notice = doneNotice(request.done_reason, trans);
  if (notice) {
    entries.push(notice);
  }
  return entries;
}

/** The token counts of a recorded request. */
function recordedUsage(request: IRecordedRequest): Usage {
  return {
    prompt_tokens: request.prompt_tokens,
    completion_tokens: request.completion_tokens,
    total_tokens: request.prompt_tokens + request.completion_tokens,
    cost: request.cost ?? null
  };
}

function attemptEntry(
  session: string,
  step: number,
  attempt: number,
  recorded: IRecordedAttempt
): IStepEntry {
  return {
    kind: 'step',
    id: nextId(),
    session,
    callId: recorded.call_id,
    step,
    attempt,
    code: recorded.code,
    state: recordedState(recorded.status),
    error: firstError(recorded.outputs),
    outputs: recorded.outputs,
    files: [],
    startedAt: null,
    durationMs: recorded.duration_ms ?? null,
    // Records of old sessions, without events: what they kept of the run.
    checks: [],
    rerun: false,
    approved: null // records from before the chat's events were kept do not say
  };
}

/** A recorded status as a card state; one this client does not know is an error. */
function recordedState(status: string): StepState {
  return isRunStatus(status) ? status : 'error';
}

/** The first error among outputs, as `ename: evalue`. */
function firstError(outputs: nbformat.IOutput[]): ICellError | null {
  const error = outputs.find(nbformat.isError);
  return error ? { ename: error.ename, evalue: error.evalue } : null;
}
