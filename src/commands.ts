/**
 * The user's actions as JupyterLab commands: the panel's buttons run them,
 * and so can the command palette, menus, shortcuts and other extensions.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { ICommandPalette } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Widget } from '@lumino/widgets';

import type { ChatController } from './controller';

/** The command ids of the extension. */
export namespace CommandIDs {
  /** Show the Code Interpreter sidebar and focus its input. */
  export const open = 'ci-jupyterlab:open';
  /** Send a request (the `text` argument) from the active notebook. */
  export const send = 'ci-jupyterlab:send';
  /** Stop the running request, interrupting its cell. */
  export const stop = 'ci-jupyterlab:stop';
  /** Export the chat's notebook as a reproducible notebook, verified. */
  export const exportNotebook = 'ci-jupyterlab:export';
}

/** The arguments of CommandIDs.send. */
export interface ISendArgs {
  /** The request; blank text sends nothing. */
  text: string;
}

/**
 * Add the commands, and those that need no argument to the palette (when
 * there is one).
 */
export function addCommands(
  app: JupyterFrontEnd,
  controller: ChatController,
  panel: Widget,
  palette: ICommandPalette | null,
  trans: TranslationBundle
): void {
  const { commands } = app;
  commands.addCommand(CommandIDs.open, {
    label: trans.__('Open Code Interpreter'),
    caption: trans.__('Show the Code Interpreter chat'),
    execute: () => app.shell.activateById(panel.id)
  });
  commands.addCommand(CommandIDs.send, {
    label: trans.__('Send to Code Interpreter'),
    caption: trans.__(
      'Send a request from the active notebook (a new notebook is created when none is open)'
    ),
    describedBy: {
      args: {
        type: 'object',
        properties: { text: { type: 'string' } },
        required: ['text']
      }
    },
    isEnabled: args =>
      controller.canSend && requestText(args as Partial<ISendArgs>) !== '',
    execute: args => controller.send(requestText(args as Partial<ISendArgs>))
  });
  commands.addCommand(CommandIDs.stop, {
    label: trans.__('Stop Code Interpreter'),
    caption: trans.__('Stop the running request, interrupting its cell'),
    isEnabled: () => controller.model.target?.busy ?? false,
    execute: () => controller.stop()
  });
  commands.addCommand(CommandIDs.exportNotebook, {
    label: trans.__('Export Reproducible Notebook'),
    caption: trans.__(
      "Save a clean copy of the Code Interpreter's notebook, verified by re-running it in a fresh kernel"
    ),
    isEnabled: () => controller.canExport,
    execute: () => controller.exportNotebook()
  });

  const category = trans.__('Code Interpreter');
  for (const command of [
    CommandIDs.open,
    CommandIDs.stop,
    CommandIDs.exportNotebook
  ]) {
    palette?.addItem({ command, category });
  }
}

/** The request of a send command's arguments, trimmed. */
function requestText(args: Partial<ISendArgs>): string {
  return typeof args.text === 'string' ? args.text.trim() : '';
}
