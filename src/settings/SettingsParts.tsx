/**
 * The settings view's parts: a field with where its value comes from, the
 * key field, what Test connection found, the local servers found, notices.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useId } from 'react';

import type {
  IConnectionTest,
  IKeyState,
  ILocalServer,
  ISettingState
} from './settingsClient';
import { sourceLabel } from './settingsFields';
import type { IFieldSpec } from './settingsFields';

/** What the last action said: done, or refused with what to do about it. */
export interface INotice {
  ok: boolean;
  message: string;
  hint?: string | null;
  /** The setting whose value is wrong: its field shows the message too. */
  field?: string | null;
}

interface IKeyFieldProps {
  state: IKeyState;
  value: string;
  onChange: (value: string) => void;
  onForget: () => void;
  busy: boolean;
  trans: TranslationBundle;
}

/** The key: typed once, then only "set, ends in …" or "not set". */
export function KeyField({
  state,
  value,
  onChange,
  onForget,
  busy,
  trans
}: IKeyFieldProps): JSX.Element {
  const id = useId();
  let summary = trans.__('Not set');
  if (state.set) {
    summary = state.last4
      ? trans.__('Set, ends in %1', state.last4)
      : trans.__('Set');
  }
  if (state.set && state.sent === false) {
    // The key goes only to the server it was set for: this one gets none.
    summary = trans.__(
      '%1, for %2 only: not sent to this model server (type its key)',
      summary,
      state.endpoint
    );
  }
  return (
    <div
      className="jp-ci-SettingsField"
      title={trans.__(
        'Kept on the server, readable by you only; never shown again, never in Lab settings.'
      )}
    >
      <label htmlFor={id}>{trans.__('API key')}</label>
      <input
        id={id}
        type="password"
        autoComplete="new-password"
        placeholder={
          state.set
            ? trans.__('Type a new key to replace it')
            : trans.__('Paste your key')
        }
        value={value}
        readOnly={state.locked}
        onChange={event => onChange(event.target.value)}
      />
      <span className="jp-ci-KeyState">
        <span className="jp-ci-KeySummary">{summary}</span>
        <Source locked={state.locked} source={state.source} trans={trans} />
        {state.set && state.source === 'user' && !state.locked && (
          <button
            type="button"
            className="jp-ci-LinkButton"
            aria-label={trans.__('Forget key')}
            title={trans.__('Delete the key kept on the server')}
            disabled={busy}
            onClick={onForget}
          >
            {trans.__('Forget key')}
          </button>
        )}
      </span>
    </div>
  );
}

/** What the model can do, in words: tool calls, images, token counts (unknown ones are not said). */
function capabilityWords(
  test: IConnectionTest,
  trans: TranslationBundle
): string[] {
  const can = test.capabilities;
  const words: string[] = [];
  if (can.tools !== null) {
    words.push(
      can.tools
        ? trans.__('Takes tool calls.')
        : trans.__('No tool calls: code comes in fenced blocks.')
    );
  }
  if (can.images !== null) {
    words.push(
      can.images
        ? trans.__('Reads images: it sees the charts it draws.')
        : trans.__('Reads no images: charts are not sent to it.')
    );
  }
  if (can.streaming_usage === false) {
    words.push(
      trans.__('Token counts are estimated: the server does not report them.')
    );
  }
  return words;
}

/** What Test connection found: the model, what it can do, the round trip; or why not. */
export function TestResult({
  test,
  trans
}: {
  test: IConnectionTest;
  trans: TranslationBundle;
}): JSX.Element {
  if (!test.ok) {
    return (
      <div className="jp-ci-TestResult jp-ci-Error" role="alert">
        <div className="jp-ci-NoticeMessage">
          {test.error?.message ?? trans.__('%1 did not answer.', test.endpoint)}
        </div>
        {test.error?.hint && (
          <div className="jp-ci-Hint">{test.error.hint}</div>
        )}
      </div>
    );
  }
  return (
    <div className="jp-ci-TestResult jp-ci-Notice jp-mod-ok" role="status">
      <div className="jp-ci-NoticeMessage">
        {trans.__('OK: %1 answered at %2', test.model ?? '', test.endpoint)}
      </div>
      <div className="jp-ci-Hint">
        {capabilityWords(test, trans).join(' ')}{' '}
        {trans.__('Round trip: %1 ms.', test.round_trip_ms ?? '?')}
      </div>
    </div>
  );
}

/** The local servers that answered; choosing one fills the base URL and model. */
export function LocalServers({
  servers,
  locked,
  onUse,
  trans
}: {
  servers: ILocalServer[];
  locked: boolean;
  onUse: (server: ILocalServer) => void;
  trans: TranslationBundle;
}): JSX.Element {
  if (servers.length === 0) {
    return (
      <div className="jp-ci-Notice" role="status">
        {trans.__(
          'No local server answered (Ollama, LM Studio, llama.cpp, vLLM on their usual ports).'
        )}
      </div>
    );
  }
  return (
    <ul
      className="jp-ci-LocalServers"
      aria-label={trans.__('Local model servers')}
    >
      {servers.map(server => (
        <li key={server.base_url}>
          <button
            type="button"
            className="jp-ci-LinkButton"
            aria-label={trans.__('Use %1 at %2', server.name, server.base_url)}
            disabled={locked}
            onClick={() => onUse(server)}
          >
            {server.name}
          </button>{' '}
          <span className="jp-ci-LocalServerDetail">
            {server.base_url}
            {server.models.length > 0 && ` · ${server.models.join(', ')}`}
          </span>
        </li>
      ))}
    </ul>
  );
}

interface IFieldProps {
  spec: IFieldSpec;
  state: ISettingState;
  value: string;
  onChange: (value: string) => void;
  /** The id of a datalist of suggestions. */
  list?: string;
  /** Why the value typed was refused; the field keeps it, marked invalid. */
  error?: string | null;
  trans: TranslationBundle;
}

/** One setting: read-only when locked, with where its value comes from. */
export function Field({
  spec,
  state,
  value,
  onChange,
  list,
  error,
  trans
}: IFieldProps): JSX.Element {
  const id = useId();
  const errorId = `${id}-error`;
  const invalid = error
    ? { 'aria-invalid': true, 'aria-describedby': errorId }
    : {};
  return (
    <div
      className={`jp-ci-SettingsField${error ? ' jp-mod-invalid' : ''}`}
      title={spec.help}
    >
      <label htmlFor={id}>{spec.label}</label>
      {spec.choices ? (
        <select
          id={id}
          {...invalid}
          value={value}
          disabled={state.locked}
          onChange={event => onChange(event.target.value)}
        >
          {spec.choices.map(choice => (
            <option key={choice.value} value={choice.value}>
              {choice.label}
            </option>
          ))}
        </select>
      ) : spec.kind === 'json' ? (
        <textarea
          id={id}
          className="jp-ci-SettingsJson"
          spellCheck={false}
          placeholder={spec.placeholder}
          value={value}
          readOnly={state.locked}
          onChange={event => onChange(event.target.value)}
        />
      ) : (
        <input
          id={id}
          {...invalid}
          type="text"
          inputMode={
            spec.kind === 'integer'
              ? 'numeric'
              : spec.kind === 'number'
                ? 'decimal'
                : undefined
          }
          list={list}
          autoComplete="off"
          spellCheck={false}
          placeholder={spec.placeholder}
          value={value}
          readOnly={state.locked}
          onChange={event => onChange(event.target.value)}
        />
      )}
      <Source locked={state.locked} source={state.source} trans={trans} />
      {error && (
        <div className="jp-ci-FieldError" id={errorId}>
          {error}
        </div>
      )}
    </div>
  );
}

/** Where a value comes from, or that the administrator set it. */
export function Source({
  locked,
  source,
  trans
}: Pick<ISettingState, 'locked' | 'source'> & {
  trans: TranslationBundle;
}): JSX.Element {
  const where = sourceLabel(source, trans);
  return (
    <span
      className="jp-ci-SettingsSource"
      title={trans.__('Where this value comes from: %1', where)}
    >
      {locked ? trans.__('Set by the administrator') : where}
    </span>
  );
}

export function Notice({ notice }: { notice: INotice }): JSX.Element {
  return (
    <div
      className={notice.ok ? 'jp-ci-Notice jp-mod-ok' : 'jp-ci-Error'}
      role={notice.ok ? 'status' : 'alert'}
    >
      <div className="jp-ci-NoticeMessage">{notice.message}</div>
      {notice.hint && <div className="jp-ci-Hint">{notice.hint}</div>}
    </div>
  );
}

export function Working({ trans }: { trans: TranslationBundle }): JSX.Element {
  return (
    <div role="status">
      <span className="jp-ci-Spinner" /> {trans.__('Asking…')}
    </div>
  );
}

export function BackButton({
  onClose,
  trans
}: {
  onClose: () => void;
  trans: TranslationBundle;
}): JSX.Element {
  return (
    <button
      type="button"
      className="jp-ci-Button jp-ci-BackButton"
      aria-label={trans.__('Back to the chat')}
      onClick={onClose}
    >
      {trans.__('Back to the chat')}
    </button>
  );
}
