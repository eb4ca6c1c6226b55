import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { Conversation } from '../chat/model';
import { costLabel, durationLabel, phaseLabel, usageLabel } from './labels';
import { useElapsed } from './useElapsed';

export interface IStatusLineProps {
  conversation: Conversation | null;
  connected: boolean;
  trans: TranslationBundle;
}

/**
 * What the assistant is doing (or that it waits for the user's approval)
 * with the time of that phase, and the time, tokens and cost of the current
 * or last request. In a narrow sidebar the request's line goes under the
 * status rather than over it.
 */
export function StatusLine({
  conversation,
  connected,
  trans
}: IStatusLineProps): JSX.Element {
  const busy = !!(connected && conversation?.busy);
  const waitingFor = busy ? (conversation?.waitingCard ?? null) : null;
  let label = '';
  if (!connected) {
    label = trans.__('Connecting to the server…');
  } else if (waitingFor?.kind === 'approval') {
    label = trans.__('Waiting for your approval');
  } else if (waitingFor?.kind === 'question') {
    label = trans.__('Waiting for your answer');
  } else if (conversation?.status) {
    label = phaseLabel(conversation.status, trans);
  } else if (conversation?.busy) {
    label = trans.__('Sending…');
  }
  // The phase's time (the model's answer, a cell, the user's answer) beside
  // the status; the request's time with its tokens and cost.
  const phaseTime = useElapsed(conversation?.statusSince ?? null, busy);
  const runningTime = useElapsed(conversation?.requestStartedAt ?? null, busy);
  const requestTime = busy
    ? runningTime
    : (conversation?.requestDurationMs ?? null);
  // The conversation's cost too, once it is more than this request's.
  const sessionCost = conversation?.sessionCost ?? null;
  const requestCost = conversation?.usage?.cost ?? 0;
  const parts = [
    requestTime !== null ? durationLabel(requestTime, trans) : null,
    conversation?.usage ? usageLabel(conversation.usage, trans) : null,
    sessionCost !== null && sessionCost > requestCost
      ? trans.__('session %1', costLabel(sessionCost))
      : null
  ].filter((part): part is string => part !== null);
  return (
    <div className="jp-ci-StatusBar">
      <span className="jp-ci-StatusGroup">
        <span
          className="jp-ci-Status"
          role="status"
          title={conversation?.status?.message ?? undefined}
        >
          {waitingFor ? (
            <span className="jp-ci-Attention" />
          ) : (
            busy && <span className="jp-ci-Spinner" />
          )}
          {label}
        </span>
        {busy && phaseTime !== null && (
          <span
            className="jp-ci-Elapsed"
            title={trans.__('Time in this phase')}
          >
            {durationLabel(phaseTime, trans)}
          </span>
        )}
      </span>
      {parts.length > 0 && (
        <span
          className="jp-ci-Usage"
          title={trans.__('This request: time, tokens and cost')}
        >
          {parts.map((part, index) => (
            // A narrow line breaks between the parts, never inside one.
            <React.Fragment key={index}>
              {index > 0 && ' · '}
              <span className="jp-ci-UsagePart">{part}</span>
            </React.Fragment>
          ))}
        </span>
      )}
    </div>
  );
}
