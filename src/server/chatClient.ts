import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { FRAME_LIMIT, utf8Bytes } from '../notebook/frames';
import {
  ClientFrame,
  ClientMessage,
  parseServerMessage,
  PROTOCOL_VERSION,
  ServerMessage
} from './protocol';
import { API_NAMESPACE } from './request';

/** The state of the chat websocket. */
export type ConnectionState = 'connecting' | 'open' | 'closed';

/** Reconnect delays grow from the first to the last, then stay there. */
const RECONNECT_DELAYS_MS = [500, 1000, 2000, 5000, 10000];

/**
 * The chat websocket: connects on construction, reconnects with backoff when
 * the connection drops, and emits every parsed server message.
 */
export class ChatClient implements IDisposable {
  constructor(options: ChatClient.IOptions = {}) {
    this._settings = options.serverSettings ?? ServerConnection.makeSettings();
    this._connect();
  }

  /** Emitted for every well-formed message from the server. */
  get messageReceived(): ISignal<this, ServerMessage> {
    return this._messageReceived;
  }

  /** Emitted when the connection opens, drops or starts reconnecting. */
  get stateChanged(): ISignal<this, ConnectionState> {
    return this._stateChanged;
  }

  get state(): ConnectionState {
    return this._state;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Send a message if the socket is open, stamped with the protocol version
   * (callers never write it).
   *
   * Returns false when it is not: messages are not queued, because the
   * server ends a connection's running requests when it drops. A frame past
   * FRAME_LIMIT is not sent either (the server would close the connection,
   * ending every request of this window); callers bound what they send.
   */
  send(message: ClientMessage): boolean {
    if (this._socket?.readyState !== WebSocket.OPEN) {
      return false;
    }
    const frame: ClientFrame = { ...message, protocol: PROTOCOL_VERSION };
    const text = JSON.stringify(frame);
    if (utf8Bytes(text) > FRAME_LIMIT) {
      console.error(
        `ci-jupyterlab: a ${message.type} message is too large to send`
      );
      return false;
    }
    this._socket.send(text);
    return true;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    window.clearTimeout(this._reconnectTimer);
    if (this._socket) {
      this._socket.onclose = null;
      this._socket.close();
      this._socket = null;
    }
    Signal.clearData(this);
  }

  private _connect(): void {
    this._setState('connecting');
    let url = URLExt.join(this._settings.wsUrl, API_NAMESPACE, 'chat');
    if (this._settings.token) {
      url += `?token=${encodeURIComponent(this._settings.token)}`;
    }
    const socket = new this._settings.WebSocket(url);
    socket.onopen = () => {
      this._attempt = 0;
      this._setState('open');
    };
    socket.onmessage = event => {
      const message = parseServerMessage(event.data);
      if (message) {
        this._messageReceived.emit(message);
      } else {
        console.warn('ci-jupyterlab: ignoring an unknown message', event.data);
      }
    };
    socket.onclose = () => {
      this._socket = null;
      this._setState('closed');
      this._scheduleReconnect();
    };
    this._socket = socket;
  }

  private _scheduleReconnect(): void {
    const delay =
      RECONNECT_DELAYS_MS[
        Math.min(this._attempt, RECONNECT_DELAYS_MS.length - 1)
      ];
    this._attempt += 1;
    this._reconnectTimer = window.setTimeout(() => this._connect(), delay);
  }

  private _setState(state: ConnectionState): void {
    if (this._state !== state) {
      this._state = state;
      this._stateChanged.emit(state);
    }
  }

  private _settings: ServerConnection.ISettings;
  private _socket: WebSocket | null = null;
  private _state: ConnectionState = 'closed';
  private _attempt = 0;
  private _reconnectTimer = 0;
  private _isDisposed = false;
  private _messageReceived = new Signal<this, ServerMessage>(this);
  private _stateChanged = new Signal<this, ConnectionState>(this);
}

export namespace ChatClient {
  export interface IOptions {
    /** Defaults to ServerConnection.makeSettings(). */
    serverSettings?: ServerConnection.ISettings;
  }
}
