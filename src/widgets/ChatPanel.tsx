import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import type { Message } from '@lumino/messaging';
import React from 'react';

import { CommandIDs } from '../commands';
import { checkConnection } from '../server/connectionCheck';
import type { ChatController } from '../controller';
import { chatIcon } from '../icons';
import type { Preferences } from '../settings/preferences';
import { ChatView } from './ChatView';

/** Marks the panel while files are dragged over it. */
const DROP_TARGET_CLASS = 'jp-mod-dropTarget';

/**
 * The "Code Interpreter" sidebar: the conversation of the target notebook,
 * the status of the running request and the message input. Its Send, Stop
 * and Export buttons run the extension's commands (see CommandIDs). Files
 * dropped on it are attached to the next request.
 */
export class ChatPanel extends ReactWidget {
  constructor(options: ChatPanel.IOptions) {
    super();
    this._controller = options.controller;
    this._commands = options.commands;
    this._rendermime = options.rendermime;
    this._trans = options.trans;
    this._preferences = options.preferences;
    // A preference changed: render again, with it.
    this._preferences.changed.connect(() => this.update(), this);
    // The configuration may arrive after the panel is shown.
    this._controller.model.changed.connect(this._checkConnection, this);
    this.id = 'ci-jupyterlab-chat';
    this.addClass('jp-ci-ChatPanel');
    this.title.icon = chatIcon;
    this.title.caption = this._trans.__('Code Interpreter');
  }

  protected render(): JSX.Element {
    const { model } = this._controller;
    return (
      <UseSignal signal={model.changed}>
        {() => (
          <ChatView
            controller={this._controller}
            commands={this._commands}
            rendermime={this._rendermime}
            trans={this._trans}
            collapsedHeight={this._preferences.values.collapsedOutputHeight}
          />
        )}
      </UseSignal>
    );
  }

  /** Opening the panel puts the cursor in the message input. */
  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    // One frame later: the command palette hands the focus back to the
    // notebook right after running our open command.
    window.requestAnimationFrame(() => {
      if (this.isVisible) {
        this.node.querySelector<HTMLTextAreaElement>('.jp-ci-Input')?.focus();
      }
    });
  }

  /** Handle the DOM events of dragging files onto the panel, and Escape. */
  handleEvent(event: Event): void {
    if (event.type === 'keydown') {
      this._onKeyDown(event as KeyboardEvent);
      return;
    }
    const drag = event as DragEvent;
    if (!drag.dataTransfer?.types.includes('Files')) {
      return;
    }
    switch (event.type) {
      case 'dragenter':
      case 'dragover':
        drag.preventDefault();
        drag.dataTransfer.dropEffect = 'copy';
        this.addClass(DROP_TARGET_CLASS);
        break;
      case 'dragleave':
        if (!this.node.contains(drag.relatedTarget as Node | null)) {
          this.removeClass(DROP_TARGET_CLASS);
        }
        break;
      case 'drop':
        drag.preventDefault();
        drag.stopPropagation();
        this.removeClass(DROP_TARGET_CLASS);
        void this._controller.attach(Array.from(drag.dataTransfer.files));
        break;
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._checkConnection();
  }

  /**
   * Once per page, when the panel shows with a model configured: check that
   * the model server answers (see checkConnection).
   */
  private _checkConnection(): void {
    const { model } = this._controller;
    if (
      this._connectionChecked ||
      !this.isVisible ||
      !model.config?.configured
    ) {
      return;
    }
    this._connectionChecked = true;
    void checkConnection(model, this._trans);
  }

  /** Escape anywhere in the panel stops the running request; the input gets the focus. */
  private _onKeyDown(event: KeyboardEvent): void {
    if (event.key !== 'Escape' || !this._commands.isEnabled(CommandIDs.stop)) {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    void this._commands.execute(CommandIDs.stop).then(() => {
      this.node.querySelector<HTMLTextAreaElement>('.jp-ci-Input')?.focus();
    });
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.node.addEventListener('keydown', this);
    for (const type of DRAG_EVENTS) {
      this.node.addEventListener(type, this);
    }
  }

  protected onBeforeDetach(msg: Message): void {
    this.node.removeEventListener('keydown', this);
    for (const type of DRAG_EVENTS) {
      this.node.removeEventListener(type, this);
    }
    super.onBeforeDetach(msg);
  }

  private _controller: ChatController;
  private _commands: CommandRegistry;
  private _rendermime: IRenderMimeRegistry;
  private _trans: TranslationBundle;
  private _preferences: Preferences;
  private _connectionChecked = false;
}

const DRAG_EVENTS = ['dragenter', 'dragover', 'dragleave', 'drop'];

export namespace ChatPanel {
  export interface IOptions {
    controller: ChatController;
    /** Where the buttons' commands are (see addCommands). */
    commands: CommandRegistry;
    rendermime: IRenderMimeRegistry;
    /** The extension's strings. */
    trans: TranslationBundle;
    /** The height above which outputs collapse (the panel follows it). */
    preferences: Preferences;
  }
}
