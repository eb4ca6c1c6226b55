/**
 * The user's actions as JupyterLab commands: the panel's buttons run them,
 * and so can the command palette, menus, shortcuts and other extensions.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { ICommandPalette } from '@jupyterlab/apputils';
import type { INotebookTracker } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Widget } from '@lumino/widgets';

import { hasError, ICellArgs, resolveCell } from './notebook/cellTarget';
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
  /**
   * Fix the error of a cell (ICellArgs; by default the active cell): the
   * assistant replaces that cell in place.
   */
  export const fixCell = 'ci-jupyterlab:fix-cell';
  /** Explain the error of a cell, or the cell (ICellArgs): no code runs. */
  export const explainCell = 'ci-jupyterlab:explain-cell';
  /** Make the next request about a cell (ICellArgs): a chip in the input. */
  export const askAboutCell = 'ci-jupyterlab:ask-about-cell';
}

/** The arguments of CommandIDs.send. */
export interface ISendArgs {
  /** The request; blank text sends nothing. */
  text: string;
}

/**
 * Add the commands, and those that need no argument to the palette (when
 * there is one). The cell commands act on the active cell of the current
 * notebook without arguments (the palette, the cell context menu and the
 * shortcut of schema/plugin.json); the output-area buttons name the cell.
 */
export function addCommands(
  app: JupyterFrontEnd,
  controller: ChatController,
  panel: Widget,
  tracker: INotebookTracker,
  palette: ICommandPalette | null,
  trans: TranslationBundle
): void {
  const { commands } = app;
  const cellOf = (args: unknown) =>
    resolveCell(tracker, cellArgs(args as Partial<ICellArgs>));
  const showPanel = () => app.shell.activateById(panel.id);
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

  const cellArgsSchema = {
    args: {
      type: 'object',
      properties: { path: { type: 'string' }, cellId: { type: 'string' } }
    }
  };
  commands.addCommand(CommandIDs.fixCell, {
    label: trans.__('Fix with Code Interpreter'),
    caption: trans.__(
      "Ask the Code Interpreter to fix this cell's error: it rewrites the cell in place and runs it"
    ),
    describedBy: cellArgsSchema,
    isEnabled: args => {
      const target = cellOf(args);
      return target !== null && hasError(target.cell);
    },
    execute: async args => {
      const target = cellOf(args);
      if (target) {
        showPanel();
        await controller.fixCell(target);
      }
    }
  });
  commands.addCommand(CommandIDs.explainCell, {
    label: trans.__('Explain with Code Interpreter'),
    caption: trans.__(
      "Ask the Code Interpreter to explain this cell's error (or the cell) in the chat; nothing runs"
    ),
    describedBy: cellArgsSchema,
    isEnabled: args => cellOf(args) !== null,
    execute: async args => {
      const target = cellOf(args);
      if (target) {
        showPanel();
        await controller.explainCell(target);
      }
    }
  });
  commands.addCommand(CommandIDs.askAboutCell, {
    label: trans.__('Ask about this cell'),
    caption: trans.__(
      'Make your next Code Interpreter request about this cell: the model is shown it in full'
    ),
    describedBy: cellArgsSchema,
    isEnabled: args => cellOf(args) !== null,
    execute: args => {
      const target = cellOf(args);
      if (target) {
        controller.askAboutCell(target);
        showPanel();
      }
    }
  });

  const category = trans.__('Code Interpreter');
  for (const command of [
    CommandIDs.open,
    CommandIDs.stop,
    CommandIDs.exportNotebook,
    CommandIDs.fixCell,
    CommandIDs.explainCell,
    CommandIDs.askAboutCell
  ]) {
    palette?.addItem({ command, category });
  }
}

/** The cell arguments of a command, those of the wrong type dropped. */
function cellArgs(args: Partial<ICellArgs>): ICellArgs {
  return {
    ...(typeof args.path === 'string' && { path: args.path }),
    ...(typeof args.cellId === 'string' && { cellId: args.cellId })
  };
}

/** The request of a send command's arguments, trimmed. */
function requestText(args: Partial<ISendArgs>): string {
  return typeof args.text === 'string' ? args.text.trim() : '';
}
