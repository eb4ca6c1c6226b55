/**
 * The state the chat panel shows: one conversation per notebook
 * (conversation.ts), the server configuration and the connection. No I/O
 * happens here.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { ISignal, Signal } from '@lumino/signaling';

import type { ConnectionState } from '../server/chatClient';
import { Conversation } from './conversation';
import { Dismissals } from './dismissals';
import type { IKernelEntry } from './entries';
import { NOT_INSTALLED_MESSAGE } from '../server/request';
import {
  IConfig,
  IProblem,
  PROTOCOL_VERSION,
  ServerMessage
} from '../server/protocol';

export { Conversation } from './conversation';
export type { StepUpdate } from './conversation';
export type {
  IAttachment,
  ICellReference,
  ISavedAttachment
} from './nextRequest';
export type { Usage } from './usageCounter';

/**
 * All conversations, which one the panel shows, the server's configuration
 * and the connection state.
 */
export class ChatModel {
  constructor(options: ChatModel.IOptions) {
    this._trans = options.trans;
    this._dismissals = options.dismissals ?? new Dismissals();
    this._dismissals.changed.connect(() => this._changed.emit());
  }

  /** Emitted on any change, including a change inside a conversation. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** A kernel card of any conversation appeared or changed (see Conversation's). */
  get kernelCardChanged(): ISignal<this, IKernelEntry> {
    return this._kernelCardChanged;
  }

  /** The server configuration, once known. */
  get config(): IConfig | null {
    return this._config;
  }

  set config(config: IConfig | null) {
    this._config = config;
    this._changed.emit();
  }

  /**
   * What the check made when the panel opened found wrong with the model
   * server (it did not answer, or does not list the model); requests may
   * still be sent. Null when it answered, or was not checked.
   */
  get connectionWarning(): IProblem | null {
    return this._connectionWarning;
  }

  set connectionWarning(warning: IProblem | null) {
    this._connectionWarning = warning;
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

  /**
   * The model name, from `hello` or the configuration, else the one the
   * model server listed first (when none is configured, requests use it).
   */
  get modelName(): string | null {
    // Not while no model can be used: a default name would read as working.
    if (!this._config?.configured) {
      return null;
    }
    return this._config.model ?? this._listedModel;
  }

  /** The model the server's list gives, as the check on opening found it. */
  set listedModel(name: string | null) {
    this._listedModel = name;
    this._changed.emit();
  }

  /**
   * Why the user cannot send requests, or null when they can: the server
   * extension is missing or failed, or no model is configured.
   */
  get problem(): IProblem | null {
    const trans = this._trans;
    if (this._configError === NOT_INSTALLED_MESSAGE) {
      return {
        message: trans.__(
          'The ci-jupyterlab server extension is not installed or not enabled'
        ),
        hint: trans.__(
          'Install the Python package ci_jupyterlab in the environment that runs JupyterLab, run "jupyter server extension enable ci_jupyterlab", then restart JupyterLab.'
        )
      };
    }
    if (this._configError) {
      return {
        message: this._configError,
        hint: trans.__('Check the Jupyter server log, then reload the page.')
      };
    }
    if (this._config && !this._config.configured) {
      const problem = this._config.problem;
      return {
        message:
          problem?.message ?? trans.__('No language model is configured.'),
        hint:
          problem?.hint ??
          trans.__(
            'Open the settings (the gear above) and set Base URL, Model and API key; the key stays on the server.'
          )
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

  /** The path of the active notebook (see ConversationSync). */
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
      conversation = new Conversation(path, this._trans, this._dismissals);
      conversation.changed.connect(() => this._changed.emit());
      conversation.kernelCardChanged.connect((_, card) =>
        this._kernelCardChanged.emit(card)
      );
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
    if (message.type === 'describe_notebook') {
      return; // About the window, not a conversation: OpenNotebooks answers it.
    }
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
    if (message.type === 'done') {
      // What the request met is in the chat now: the opening check's
      // warning would say it a second time, or no longer holds.
      this._connectionWarning = null;
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
          this._trans.__(
            'The connection to the server was lost; the request was interrupted.'
          ),
          this._trans.__(
            'It reconnects by itself; send your request again then.'
          )
        );
        conversation.finishRequest('error');
      }
    }
  }

  /** Every conversation, e.g. to attach them again after a reconnection. */
  get conversations(): ReadonlyArray<Conversation> {
    return this._conversations;
  }

  private _trans: TranslationBundle;
  private _dismissals: Dismissals;
  private _conversations: Conversation[] = [];
  private _config: IConfig | null = null;
  private _configError: string | null = null;
  private _connectionWarning: IProblem | null = null;
  private _listedModel: string | null = null;
  private _kernelCardChanged = new Signal<this, IKernelEntry>(this);
  private _connection: ConnectionState = 'connecting';
  private _activePath: string | null = null;
  private _changed = new Signal<this, void>(this);
}

export namespace ChatModel {
  export interface IOptions {
    /** The extension's strings (notices, hints, card texts). */
    trans: TranslationBundle;
    /** The change cards the user dismissed (default: for this page load). */
    dismissals?: Dismissals;
  }
}

const DEFAULT_CONFIG: IConfig = {
  protocol: PROTOCOL_VERSION,
  configured: false,
  model: null,
  endpoint: null,
  max_attempts: 0,
  cell_timeout: 0,
  problem: null
};
