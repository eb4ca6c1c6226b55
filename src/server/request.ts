import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type {
  IConfig,
  IExportResult,
  ISessionRecord,
  ISessionSummary
} from './protocol';

/** The URL namespace of the server extension. */
export const API_NAMESPACE = 'ci-jupyterlab';

/** Shown when the server does not know our endpoints at all. */
export const NOT_INSTALLED_MESSAGE =
  'The ci-jupyterlab server extension is not installed or not enabled';

/**
 * Call a REST endpoint of the server extension and return its JSON body.
 *
 * A 404 means the server extension is missing and becomes an Error with
 * NOT_INSTALLED_MESSAGE; other failures become APIErrors (ResponseErrors)
 * carrying the server's `message` and `hint`.
 */
export async function requestAPI<T>(
  endPoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, API_NAMESPACE, endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
  if (response.status === 404) {
    throw new Error(NOT_INSTALLED_MESSAGE);
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: keep the text so the error below can show it.
  }
  if (!response.ok) {
    const answer = body as {
      message?: string;
      hint?: string;
      field?: string;
      reason?: string;
    } | null;
    throw new APIError(
      response,
      answer?.message ?? String(body),
      answer?.hint,
      answer?.field,
      answer?.reason
    );
  }
  return body as T;
}

/**
 * A refusal of the server extension: its `message`, its `hint` (what to do
 * about it), which a plain ResponseError would drop, and the setting whose
 * value it refused (`field`), if any.
 */
export class APIError extends ServerConnection.ResponseError {
  constructor(
    response: Response,
    message: string,
    hint?: string | null,
    field?: string | null,
    reason?: string | null
  ) {
    super(response, message);
    this.hint = hint ?? null;
    this.field = field ?? null;
    this.reason = reason ?? null;
  }

  readonly hint: string | null;
  readonly field: string | null;
  /** Why, in a word, where the server says: `page_key` (the page's key is missing or stale). */
  readonly reason: string | null;
}

/** Ask the server which model is configured (never returns the API key). */
export function fetchConfig(
  settings?: ServerConnection.ISettings
): Promise<IConfig> {
  return requestAPI<IConfig>('config', {}, settings);
}

/** The saved sessions of a notebook, newest first. */
export async function fetchSessions(
  notebookPath: string,
  settings?: ServerConnection.ISettings
): Promise<ISessionSummary[]> {
  const query = URLExt.objectToQueryString({ notebook: notebookPath });
  const answer = await requestAPI<{ sessions: ISessionSummary[] }>(
    `sessions${query}`,
    {},
    settings
  );
  return answer.sessions;
}

/** One saved session with its record. */
export function fetchSession(
  id: string,
  settings?: ServerConnection.ISettings
): Promise<ISessionRecord> {
  return requestAPI<ISessionRecord>(
    `sessions/${encodeURIComponent(id)}`,
    {},
    settings
  );
}

/**
 * Ask the server to export a notebook (as saved on disk) as a clean,
 * reproducible notebook next to it, verified in a fresh kernel; the export
 * joins the history of the chat session that asked.
 */
export function requestExport(
  path: string,
  session: string,
  settings?: ServerConnection.ISettings
): Promise<IExportResult> {
  return requestAPI<IExportResult>(
    'export',
    {
      method: 'POST',
      body: JSON.stringify({
        path,
        session,
        keep_attempts: false,
        verify: true
      })
    },
    settings
  );
}
