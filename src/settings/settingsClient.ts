/**
 * The settings view's endpoints (ci_jupyterlab/settings_handlers.py). The
 * API key only ever goes to the server: nothing here reads it back, the
 * server answers with whether one is set and its last four characters.
 */
import type { ServerConnection } from '@jupyterlab/services';

import { SETTING_NAMES } from '../server/contract';
import { withPageKey } from '../server/pageKey';
import { requestAPI } from '../server/request';

/** The settings a user may set from the panel (the contract's; USER_SETTABLE on the server). */
export type SettingName = (typeof SETTING_NAMES)[number];

/** Where a value comes from, highest precedence first. */
export type SettingSource = 'admin' | 'user' | 'environment' | 'default';

/** MCP servers and always-allowed tools are JSON (see docs/mcp.md). */
export type SettingValue = string | number | Record<string, unknown> | string[];

export interface ISettingState {
  value: SettingValue;
  source: SettingSource;
  /** Set by the administrator (or users may change nothing): read-only. */
  locked: boolean;
}

/** What the browser may know of the key. */
export interface IKeyState {
  set: boolean;
  /** The last four characters; empty for a key too short to show any. */
  last4: string;
  source: SettingSource;
  locked: boolean;
  /** The host of the model server the key goes to (the only one). */
  endpoint: string;
  /** Whether that is the configured model server (else requests go without it). */
  sent: boolean;
}

/** The answer of `GET`/`PUT ci-jupyterlab/settings` (and of the key's endpoints). */
export interface ISettingsView {
  values: Record<SettingName, ISettingState>;
  key: IKeyState;
  /** The models users may choose; empty: any. */
  allowed_models: string[];
  /** The model servers users may choose; empty: any. */
  allowed_base_urls: string[];
  /** The MCP servers users may set (URLs, starts of command lines); empty: any. */
  allowed_mcp_servers?: string[];
  allow_user_settings: boolean;
}

/** The answer of Test connection. */
export interface IConnectionTest {
  ok: boolean;
  /** The host asked (never the key). */
  endpoint: string;
  models: string[];
  /** The model that answered (the first listed when none is chosen). */
  model: string | null;
  /** What the model can do, as the provider declares or the test found (null: not known). */
  capabilities: {
    tools: boolean | null;
    images: boolean | null;
    streaming_usage: boolean | null;
  };
  round_trip_ms?: number;
  elapsed_ms: number;
  error?: { message: string; hint: string | null };
}

/** An OpenAI-compatible server answering on this machine. */
export interface ILocalServer {
  name: string;
  base_url: string;
  models: string[];
}

/** The settings, where each comes from, whether it is locked. */
export function fetchSettings(
  settings?: ServerConnection.ISettings
): Promise<ISettingsView> {
  return requestAPI<ISettingsView>('settings', {}, settings);
}

/**
 * Keep the user's values (null: back to the default). All or nothing: a
 * refusal (an APIError of status 403, with a hint) changes nothing. Sent
 * with the page's key (see pageKey.ts): the approval mode and the model
 * server need it.
 */
export function saveSettings(
  values: Partial<Record<SettingName, SettingValue | null>>,
  settings?: ServerConnection.ISettings
): Promise<ISettingsView> {
  return withPageKey(
    headers =>
      requestAPI<ISettingsView>(
        'settings',
        { method: 'PUT', body: JSON.stringify({ values }), headers },
        settings
      ),
    settings
  );
}

/**
 * Send the key, once, for the server to keep, for the model server then
 * configured only; it is never sent back.
 */
export function saveKey(
  key: string,
  settings?: ServerConnection.ISettings
): Promise<ISettingsView> {
  return withPageKey(
    headers =>
      requestAPI<ISettingsView>(
        'settings/key',
        { method: 'PUT', body: JSON.stringify({ key }), headers },
        settings
      ),
    settings
  );
}

/** Make the server forget the user's key. */
export function forgetKey(
  settings?: ServerConnection.ISettings
): Promise<ISettingsView> {
  return withPageKey(
    headers =>
      requestAPI<ISettingsView>(
        'settings/key',
        { method: 'DELETE', headers },
        settings
      ),
    settings
  );
}

/**
 * Test a model server before saving it: the base URL, model and key given
 * (the saved ones where omitted). A key sent here is used for this test
 * only: the server neither keeps it nor sends it back.
 */
export function testConnection(
  target: {
    base_url?: string;
    model?: string;
    api_key?: string;
    /** Only whether it answers and lists the model: no tokens spent. */
    quick?: boolean;
  },
  settings?: ServerConnection.ISettings
): Promise<IConnectionTest> {
  return requestAPI<IConnectionTest>(
    'settings/test',
    { method: 'POST', body: JSON.stringify(target) },
    settings
  );
}

/** The local model servers that answer, with their models. */
export async function findLocalServers(
  settings?: ServerConnection.ISettings
): Promise<ILocalServer[]> {
  const answer = await requestAPI<{ servers: ILocalServer[] }>(
    'settings/local-servers',
    {},
    settings
  );
  return answer.servers;
}
