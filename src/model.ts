/**
 * The state the chat panel shows: one conversation per notebook, the server
 * configuration and the connection. No I/O happens here.
 */
import { UUID } from '@lumino/coreutils';
import { ISignal, Signal } from '@lumino/signaling';

import type { ConnectionState } from './chatClient';
import { NOT_INSTALLED_MESSAGE } from './request';
import type {
  DoneReason,
  ExecutionStatus,
  ICellError,
  IConfig,
  IProblem,
  IRunCellMessage,
  IStatusMessage,
  IUsageMessage,
  ServerMessage
} from './protocol';

/** What the user asked. */
export interface IUserEntry {
  kind: 'user';
  id: string;
  text: string;
}

/** A block of assistant markdown, growing while it streams. */
export interface IAssistantEntry {
  kind: 'assistant';
  id: string;
  text: string;
}

/** A step's state: running, or how its run ended. */
export type StepState = 'running' | ExecutionStatus;

/** One attempt at one step: a cell the assistant ran. */
export interface IStepEntry {
  kind: 'step';
  id: string;
  session: string;
  callId: string;
  step: number;
  attempt: number;
  code: string;
  state: StepState;
  error: ICellError | null;
}

/** An error from the server, or a notice about how a request ended. */
export interface INoticeEntry {
  kind: 'notice';
  id: string;
  level: 'error' | 'info';
  message: string;
  hint: string | null;
}

/** One item of a conversation. Entries are replaced, never mutated. */
export type ChatEntry =
  IUserEntry | IAssistantEntry | IStepEntry | INoticeEntry;

/** Token counts of a request so far. */
export type Usage = Pick<
  IUsageMessage,
  'prompt_tokens' | 'completion_tokens' | 'total_tokens'
>;

const ENABLE_HINT =
  'Install the Python package ci_jupyterlab in the environment that runs JupyterLab, run "jupyter server extension enable ci_jupyterlab", then restart JupyterLab.';

const CONFIGURE_HINT =
  'The model is configured on the server, never in the browser: set c.CodeInterpreter.model (and c.CodeInterpreter.base_url for another OpenAI-compatible server) in jupyter_server_config.py, put the API key in the OPENAI_API_KEY environment variable of the server, then restart JupyterLab.';

/** Why a request ended, when that deserves a line in the chat. */
const DONE_NOTICES: Partial<Record<DoneReason, string>> = {
  max_attempts:
    'Gave up: the code kept failing after the maximum number of attempts.',
  stuck: 'Gave up: the same code failed with the same error twice.',
  kernel: 'Stopped: the kernel died or restarted.'
};

/**
 * The conversation of one notebook, with its session id for this page load.
 */
export class Conversation {
  constructor(path: string) {
    this._path = path;
  }

  /** The notebook's path; it follows renames. */
  get path(): string {
    return this._path;
  }

  set path(path: string) {
    this._path = path;
    this._changed.emit();
  }

  /** The protocol session id: one per notebook per page load. */
  readonly session = UUID.uuid4();

  /** The notebook's kernel language when the last request was sent. */
  language: string | null = null;

  get entries(): ReadonlyArray<ChatEntry> {
    return this._entries;
  }

  /** The last `status` message of the current or last request. */
  get status(): IStatusMessage | null {
    return this._status;
  }

  /** Tokens used by the current or last request. */
  get usage(): Usage | null {
    return this._usage;
  }

  /** Whether a request is running. */
  get busy(): boolean {
    return this._busy;
  }

  /** Emitted on any change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** A new request starts: show the text, forget the last status and usage. */
  startRequest(text: string): void {
    this._busy = true;
    this._status = null;
    this._usage = null;
    this._push({ kind: 'user', id: nextId(), text });
  }

  /** The request is over, for the given reason. */
  finishRequest(reason: DoneReason): void {
    this._busy = false;
    const notice = DONE_NOTICES[reason];
    if (notice) {
      this._entries.push(noticeEntry(notice, 'info'));
    }
    this._changed.emit();
  }

  /** Show a notice (an error, or how something ended). */
  addNotice(
    message: string,
    hint: string | null = null,
    level: INoticeEntry['level'] = 'error'
  ): void {
    this._push(noticeEntry(message, level, hint));
  }

  /** Apply one message of this conversation's session. */
  handle(message: ServerMessage): void {
    switch (message.type) {
      case 'text_delta':
        this._appendText(message.text);
        break;
      case 'run_cell':
        this._push(stepEntry(message));
        break;
      case 'cell_done':
        this.setStepState(message.call_id, message.status, message.error);
        break;
      case 'status':
        this._status = message;
        this._changed.emit();
        break;
      case 'usage':
        this._usage = message;
        this._changed.emit();
        break;
      case 'error':
        this.addNotice(message.message, message.hint);
        break;
      case 'done':
        this.finishRequest(message.reason);
        break;
      case 'hello':
        break;
    }
  }

  /** Record how a step's run ended (the error, when known, as `ename: evalue`). */
  setStepState(
    callId: string,
    state: StepState,
    error: ICellError | null = null
  ): void {
    const index = this._entries.findIndex(
      entry => entry.kind === 'step' && entry.callId === callId
    );
    if (index < 0) {
      return;
    }
    const step = this._entries[index] as IStepEntry;
    this._entries[index] = { ...step, state, error: error ?? step.error };
    this._changed.emit();
  }

  /** Streamed text extends the last assistant block, or starts one. */
  private _appendText(text: string): void {
    const last = this._entries[this._entries.length - 1];
    if (last?.kind === 'assistant') {
      this._entries[this._entries.length - 1] = {
        ...last,
        text: last.text + text
      };
      this._changed.emit();
    } else {
      this._push({ kind: 'assistant', id: nextId(), text });
    }
  }

  private _push(entry: ChatEntry): void {
    this._entries.push(entry);
    this._changed.emit();
  }

  private _path: string;
  private _entries: ChatEntry[] = [];
  private _status: IStatusMessage | null = null;
  private _usage: Usage | null = null;
  private _busy = false;
  private _changed = new Signal<this, void>(this);
}

/**
 * All conversations, which one the panel shows, the server's configuration
 * and the connection state.
 */
export class ChatModel {
  /** Emitted on any change, including a change inside a conversation. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The server configuration, once known. */
  get config(): IConfig | null {
    return this._config;
  }

  set config(config: IConfig | null) {
    this._config = config;
    this._changed.emit();
  }

  /** Why the configuration could not be read (e.g. no server extension). */
  get configError(): string | null {
    return this._configError;
  }

  set configError(message: string | null) {
    this._configError = message;
    this._changed.emit();
  }

  /** The model name, from `hello` or the configuration. */
  get modelName(): string | null {
    return this._config?.model ?? null;
  }

  /**
   * Why the user cannot send requests, or null when they can: the server
   * extension is missing or failed, or no model is configured.
   */
  get problem(): IProblem | null {
    if (this._configError) {
      const hint =
        this._configError === NOT_INSTALLED_MESSAGE
          ? ENABLE_HINT
          : 'Check the Jupyter server log, then reload the page.';
      return { message: this._configError, hint };
    }
    if (this._config && !this._config.configured) {
      const problem = this._config.problem;
      return {
        message: problem?.message ?? 'No language model is configured.',
        hint: problem?.hint ?? CONFIGURE_HINT
      };
    }
    return null;
  }

  get connection(): ConnectionState {
    return this._connection;
  }

  set connection(state: ConnectionState) {
    this._connection = state;
    this._changed.emit();
  }

  /** The path of the active notebook, set by the plugin. */
  get activePath(): string | null {
    return this._activePath;
  }

  set activePath(path: string | null) {
    this._activePath = path;
    this._changed.emit();
  }

  /**
   * The conversation the panel shows: the one with a running request, else
   * the active notebook's (null when no notebook is open).
   */
  get target(): Conversation | null {
    const running = this._conversations.find(c => c.busy);
    if (running) {
      return running;
    }
    return this._activePath === null
      ? null
      : this.conversationFor(this._activePath);
  }

  /** Whether any conversation has a running request. */
  get busy(): boolean {
    return this._conversations.some(c => c.busy);
  }

  /** The conversation of a notebook, created on first use. */
  conversationFor(path: string): Conversation {
    let conversation = this._conversations.find(c => c.path === path);
    if (!conversation) {
      conversation = new Conversation(path);
      conversation.changed.connect(() => this._changed.emit());
      this._conversations.push(conversation);
    }
    return conversation;
  }

  /** A notebook was renamed or moved: its conversation follows it. */
  renameNotebook(oldPath: string, newPath: string): void {
    const moved = this._conversations.find(c => c.path === oldPath);
    if (moved) {
      // A conversation left by a deleted notebook of the new name is over.
      this._conversations = this._conversations.filter(c => c.path !== newPath);
      moved.path = newPath;
    }
    if (this._activePath === oldPath) {
      this.activePath = newPath;
    }
  }

  /** The conversation of a session id, if it exists. */
  conversationOf(session: string): Conversation | null {
    return this._conversations.find(c => c.session === session) ?? null;
  }

  /**
   * Apply a server message: `hello` updates the configuration, the others go
   * to their session's conversation. An error without a known session is
   * shown in the conversation the panel shows.
   */
  handle(message: ServerMessage): void {
    if (message.type === 'hello') {
      this.config = {
        ...(this._config ?? DEFAULT_CONFIG),
        protocol: message.protocol,
        configured: message.configured,
        model: message.model,
        problem: message.problem
      };
      return;
    }
    const conversation = message.session
      ? this.conversationOf(message.session)
      : null;
    (conversation ?? (message.type === 'error' ? this.target : null))?.handle(
      message
    );
  }

  /**
   * The connection dropped: requests that were running are over, because
   * the server forgets them with the connection.
   */
  abortRunningRequests(): void {
    for (const conversation of this._conversations) {
      if (conversation.busy) {
        conversation.addNotice(
          'The connection to the server was lost; the request was interrupted.',
          'It reconnects by itself; send your request again then.'
        );
        conversation.finishRequest('error');
      }
    }
  }

  private _conversations: Conversation[] = [];
  private _config: IConfig | null = null;
  private _configError: string | null = null;
  private _connection: ConnectionState = 'connecting';
  private _activePath: string | null = null;
  private _changed = new Signal<this, void>(this);
}

const DEFAULT_CONFIG: IConfig = {
  protocol: 1,
  configured: false,
  model: null,
  endpoint: null,
  max_attempts: 0,
  cell_timeout: 0,
  problem: null
};

let lastId = 0;

/** A unique id for a chat entry (a React key). */
function nextId(): string {
  lastId += 1;
  return `entry-${lastId}`;
}

function noticeEntry(
  message: string,
  level: INoticeEntry['level'],
  hint: string | null = null
): INoticeEntry {
  return { kind: 'notice', id: nextId(), level, message, hint };
}

function stepEntry(message: IRunCellMessage): IStepEntry {
  return {
    kind: 'step',
    id: nextId(),
    session: message.session,
    callId: message.call_id,
    step: message.step,
    attempt: message.attempt,
    code: message.code,
    state: 'running',
    error: null
  };
}
