import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useEffect, useId, useState } from 'react';

import { APIError } from '../server/request';
import {
  fetchSettings,
  findLocalServers,
  forgetKey,
  saveKey,
  saveSettings,
  testConnection
} from './settingsClient';
import type {
  IConnectionTest,
  ILocalServer,
  ISettingsView
} from './settingsClient';
import {
  changedValues,
  connectionFields,
  formValues,
  limitFields,
  toolFields
} from './settingsFields';
import type { FormValues, IFieldSpec } from './settingsFields';
import {
  BackButton,
  Field,
  KeyField,
  LocalServers,
  Notice,
  TestResult,
  Working
} from './SettingsParts';
import type { INotice } from './SettingsParts';

export interface ISettingsViewProps {
  /** After a save or a forgotten key: read the server's configuration again, so the panel follows at once. */
  onSaved: () => Promise<void>;
  trans: TranslationBundle;
  /** Back to the conversation. */
  onClose: () => void;
}

type Busy = 'save' | 'test' | 'find' | 'forget' | null;

/**
 * The panel's settings, shown in place of the conversation: where the model
 * is (with Test connection and Find local servers), the key, and the limits
 * of each request. Values the administrator set are read-only. The key is
 * sent once, on Save, and never read back.
 */
export function SettingsView({
  onSaved,
  trans,
  onClose
}: ISettingsViewProps): JSX.Element {
  const [view, setView] = useState<ISettingsView | null>(null);
  const [form, setForm] = useState<FormValues | null>(null);
  const [key, setKey] = useState('');
  const [notice, setNotice] = useState<INotice | null>(null);
  const [busy, setBusy] = useState<Busy>(null);
  const [test, setTest] = useState<IConnectionTest | null>(null);
  const [servers, setServers] = useState<ILocalServer[] | null>(null);
  const modelList = useId();

  const show = (answer: ISettingsView) => {
    setView(answer);
    setForm(formValues(answer));
  };

  useEffect(() => {
    fetchSettings()
      .then(show)
      .catch(error => setNotice(failure(error)));
  }, []);

  /** Run one action at a time; a failure becomes the notice. */
  const run = async (kind: Busy, action: () => Promise<void>) => {
    setBusy(kind);
    setNotice(null);
    try {
      await action();
    } catch (error) {
      setNotice(failure(error));
    } finally {
      setBusy(null);
    }
  };

  const fields = [
    ...connectionFields(trans),
    ...limitFields(trans),
    ...toolFields(trans)
  ];

  const save = () =>
    run('save', async () => {
      const changes = changedValues(fields, view!, form!);
      if ('invalid' in changes) {
        setNotice({
          ok: false,
          message:
            changes.invalid.kind === 'json'
              ? trans.__('%1 must be valid JSON.', changes.invalid.label)
              : trans.__('%1 must be a number.', changes.invalid.label),
          field: changes.invalid.name
        });
        return;
      }
      // Each answer is shown at once: a refused key leaves the values saved.
      if (Object.keys(changes.values).length > 0) {
        show(await saveSettings(changes.values));
      }
      if (key.trim()) {
        show(await saveKey(key.trim()));
        setKey('');
      }
      await onSaved();
      setNotice({
        ok: true,
        message: trans.__('Saved. The next request uses these settings.')
      });
    });

  const forget = () =>
    run('forget', async () => {
      show(await forgetKey());
      await onSaved();
      setNotice({ ok: true, message: trans.__('The key is forgotten.') });
    });

  const check = () =>
    run('test', async () => {
      setTest(null);
      setTest(
        // A key typed but not saved is tried too (the server keeps it only on Save).
        await testConnection({
          base_url: form!.base_url.trim(),
          model: form!.model.trim(),
          ...(key.trim() && { api_key: key.trim() })
        })
      );
    });

  const find = () =>
    run('find', async () => {
      setServers(null);
      setServers(await findLocalServers());
    });

  if (!view || !form) {
    return (
      <div className="jp-ci-Settings">
        {notice ? (
          <Notice notice={notice} />
        ) : (
          <div role="status">{trans.__('Loading the settings…')}</div>
        )}
        <BackButton onClose={onClose} trans={trans} />
      </div>
    );
  }

  const setValue = (name: IFieldSpec['name'], value: string) =>
    setForm({ ...form, [name]: value });
  const use = (server: ILocalServer) =>
    setForm({
      ...form,
      base_url: server.base_url,
      model: view.values.model.locked
        ? form.model
        : (server.models[0] ?? form.model)
    });
  const suggestions = Array.from(
    new Set([
      ...view.allowed_models,
      ...(test?.models ?? []),
      ...(servers ?? []).flatMap(server => server.models)
    ])
  );
  const field = (spec: IFieldSpec) => (
    <Field
      key={spec.name}
      spec={spec}
      state={view.values[spec.name]}
      value={form[spec.name]}
      onChange={value => setValue(spec.name, value)}
      list={spec.name === 'model' ? modelList : undefined}
      error={notice?.field === spec.name ? notice.message : null}
      trans={trans}
    />
  );

  return (
    <form
      className="jp-ci-Settings"
      aria-label={trans.__('Code Interpreter settings')}
      noValidate
      onSubmit={event => {
        event.preventDefault();
        void save();
      }}
    >
      {!view.allow_user_settings && (
        <div className="jp-ci-Notice">
          {trans.__(
            'The administrator decides these settings; they cannot be changed here.'
          )}
        </div>
      )}
      <fieldset className="jp-ci-SettingsGroup">
        <legend>{trans.__('Model server')}</legend>
        {connectionFields(trans).map(field)}
        <datalist id={modelList}>
          {suggestions.map(name => (
            <option key={name} value={name} />
          ))}
        </datalist>
        <KeyField
          state={view.key}
          value={key}
          onChange={setKey}
          onForget={() => void forget()}
          busy={busy !== null}
          trans={trans}
        />
        <div className="jp-ci-Buttons jp-ci-SettingsActions">
          <button
            type="button"
            className="jp-ci-Button"
            aria-label={trans.__('Test connection')}
            title={trans.__(
              'Ask the server at this base URL for its models, then the model for a one-word answer'
            )}
            disabled={busy !== null}
            onClick={() => void check()}
          >
            {trans.__('Test connection')}
          </button>
          <button
            type="button"
            className="jp-ci-Button"
            aria-label={trans.__('Find local servers')}
            title={trans.__(
              'Look for Ollama, LM Studio, llama.cpp and vLLM on this machine'
            )}
            disabled={busy !== null}
            onClick={() => void find()}
          >
            {trans.__('Find local servers')}
          </button>
        </div>
        {busy === 'test' && <Working trans={trans} />}
        {test && <TestResult test={test} trans={trans} />}
        {busy === 'find' && <Working trans={trans} />}
        {servers && (
          <LocalServers
            servers={servers}
            locked={view.values.base_url.locked}
            onUse={use}
            trans={trans}
          />
        )}
      </fieldset>
      <fieldset className="jp-ci-SettingsGroup">
        <legend>{trans.__('Requests')}</legend>
        {limitFields(trans).map(field)}
      </fieldset>
      <fieldset className="jp-ci-SettingsGroup">
        <legend>{trans.__('MCP tools')}</legend>
        {toolFields(trans).map(field)}
      </fieldset>
      {notice && <Notice notice={notice} />}
      <div className="jp-ci-Buttons">
        <BackButton onClose={onClose} trans={trans} />
        <button
          type="submit"
          className="jp-ci-Button jp-ci-PrimaryButton"
          aria-label={trans.__('Save')}
          title={trans.__('Keep these settings on the server')}
          disabled={busy !== null || !view.allow_user_settings}
        >
          {trans.__('Save')}
        </button>
      </div>
    </form>
  );
}

/** The message of a failed request, with the server's hint if it gave one. */
function failure(error: unknown): INotice {
  return {
    ok: false,
    message: (error as Error).message,
    hint: error instanceof APIError ? error.hint : null,
    field: error instanceof APIError ? error.field : null
  };
}
