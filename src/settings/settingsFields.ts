/**
 * The fields of the settings view, and how the form's text becomes the
 * values sent to the server. Kept apart from the widget so the view stays
 * about layout and requests.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import type {
  ISettingsView,
  SettingName,
  SettingSource,
  SettingValue
} from './settingsClient';

/** How a field is edited and parsed. */
export type FieldKind = 'text' | 'integer' | 'number' | 'choice' | 'json';

export interface IFieldSpec {
  name: SettingName;
  label: string;
  kind: FieldKind;
  /** What the setting does (the field's tooltip). */
  help: string;
  placeholder?: string;
  /** The allowed values of a choice, with their labels (the server's Enum). */
  choices?: { value: string; label: string }[];
}

/** The form's text, by setting. */
export type FormValues = Record<SettingName, string>;

/** Where the model is reached: shown with Test connection and the key. */
export function connectionFields(trans: TranslationBundle): IFieldSpec[] {
  return [
    {
      name: 'base_url',
      label: trans.__('Base URL'),
      kind: 'text',
      help: trans.__(
        'An OpenAI-compatible API, e.g. http://localhost:11434/v1 for Ollama. Empty: OpenAI.'
      ),
      placeholder: trans.__('Empty: OpenAI')
    },
    {
      name: 'model',
      label: trans.__('Model'),
      kind: 'text',
      help: trans.__(
        'The model name. Empty: the first model the server lists (on OpenAI, its default).'
      ),
      placeholder: trans.__("Empty: the server's first model")
    }
  ];
}

/** How requests run. */
export function limitFields(trans: TranslationBundle): IFieldSpec[] {
  return [
    {
      name: 'approval',
      label: trans.__('Approval'),
      kind: 'choice',
      help: trans.__("Which of the assistant's cells wait for your approval."),
      choices: [
        {
          value: 'risky',
          label: trans.__('Risky cells (installs, shell, deleting files)')
        },
        { value: 'always', label: trans.__('Every cell') },
        { value: 'never', label: trans.__('Never ask') }
      ]
    },
    {
      name: 'max_attempts',
      label: trans.__('Attempts'),
      kind: 'integer',
      help: trans.__(
        'Consecutive failing runs per request before the assistant gives up.'
      )
    },
    {
      name: 'max_rounds',
      label: trans.__('Model calls per request'),
      kind: 'integer',
      help: trans.__(
        'Model calls allowed per request, working or not: a cap on cost and on endless loops.'
      )
    },
    {
      name: 'cell_timeout',
      label: trans.__('Cell timeout (s)'),
      kind: 'number',
      help: trans.__('Seconds a cell may run before it is interrupted.')
    },
    {
      name: 'prompt_budget',
      label: trans.__('Prompt budget (tokens)'),
      kind: 'integer',
      help: trans.__(
        'Prompt tokens per model call; older parts of the conversation give way first.'
      )
    },
    {
      name: 'send_images',
      label: trans.__('Send images'),
      kind: 'choice',
      help: trans.__(
        'Send the images a cell displays to the model, so it can check its own chart. Auto: for models whose name says they read images.'
      ),
      choices: [
        { value: 'auto', label: trans.__('Auto') },
        { value: 'on', label: trans.__('On') },
        { value: 'off', label: trans.__('Off') }
      ]
    },
    {
      name: 'max_cost_per_request',
      label: trans.__('Cost limit per request ($)'),
      kind: 'number',
      help: trans.__(
        'US dollars one request may cost (by the price table) before it is stopped; 0: no limit.'
      ),
      placeholder: trans.__('0: no limit')
    }
  ];
}

/** The MCP servers whose tools the assistant may call, as MCP clients write them (JSON). */
export function toolFields(trans: TranslationBundle): IFieldSpec[] {
  return [
    {
      name: 'mcp_servers',
      label: trans.__('MCP servers'),
      kind: 'json',
      help: trans.__(
        'As MCP clients write them: {"files": {"command": "npx", "args": [...]}} or {"search": {"url": "https://...", "headers": {...}}}. Each call waits for your approval.'
      ),
      placeholder: '{}'
    },
    {
      name: 'mcp_always_allow',
      label: trans.__('Tools that run without asking'),
      kind: 'json',
      help: trans.__(
        'The MCP tools ("server/tool") you chose to always allow. Remove one to be asked again.'
      ),
      placeholder: '[]'
    }
  ];
}

/** The form's text of a value: JSON for the MCP settings. */
function formText(value: SettingValue | null): string {
  return typeof value === 'object' && value !== null
    ? JSON.stringify(value, null, 1)
    : String(value ?? '');
}

/** Where a value comes from, in words. */
export function sourceLabel(
  source: SettingSource,
  trans: TranslationBundle
): string {
  switch (source) {
    case 'admin':
      return trans.__('Set by the administrator');
    case 'user':
      return trans.__('Your setting');
    case 'environment':
      return trans.__("From the server's environment");
    case 'default':
      return trans.__('Default');
  }
}

/** The form's text for the server's values. */
export function formValues(view: ISettingsView): FormValues {
  const form = {} as FormValues;
  for (const [name, state] of Object.entries(view.values)) {
    form[name as SettingName] = formText(state.value);
  }
  return form;
}

/** What the form changes, or the first field that is not a number (or not JSON). */
export type Changes =
  | { values: Partial<Record<SettingName, SettingValue | null>> }
  | { invalid: IFieldSpec };

/**
 * The values to send: only those the user changed and may change; a field
 * emptied goes back to its default (null).
 */
export function changedValues(
  fields: IFieldSpec[],
  view: ISettingsView,
  form: FormValues
): Changes {
  const values: Partial<Record<SettingName, SettingValue | null>> = {};
  for (const field of fields) {
    const state = view.values[field.name];
    const text = form[field.name].trim();
    if (!state || state.locked || text === formText(state.value).trim()) {
      continue;
    }
    if (text === '') {
      values[field.name] = null;
    } else if (field.kind === 'json') {
      try {
        values[field.name] = JSON.parse(text);
      } catch {
        return { invalid: field };
      }
    } else if (field.kind === 'integer' || field.kind === 'number') {
      const number = Number(text);
      const fits =
        field.kind === 'integer' ? Number.isInteger(number) : isFinite(number);
      if (!fits) {
        return { invalid: field };
      }
      values[field.name] = number;
    } else {
      values[field.name] = text;
    }
  }
  return { values };
}
