import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, ISessionContextDialogs } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ITranslator } from '@jupyterlab/translation';

import { CellService } from './cellService';
import { ChatClient } from './chatClient';
import { ChatController } from './controller';
import { ChatModel } from './model';
import { NotebookWatcher } from './notebookWatcher';
import { ICodeInterpreter } from './tokens';
import { ChatPanel } from './widgets/ChatPanel';

export { ICodeInterpreter } from './tokens';

/** The command ids of the extension. */
namespace CommandIDs {
  /** Show the Code Interpreter sidebar and focus its input. */
  export const open = 'ci-jupyterlab:open';
  /** Export the chat's notebook as a reproducible notebook, verified. */
  export const exportNotebook = 'ci-jupyterlab:export';
}

/** The palette category of our commands. */
const CATEGORY = 'Code Interpreter';

/** Where the sidebar sits among the right sidebar's tabs. */
const SIDEBAR_RANK = 600;

/**
 * The Code Interpreter: a sidebar chat whose assistant runs its code as cells
 * of the active notebook.
 */
const plugin: JupyterFrontEndPlugin<ICodeInterpreter> = {
  id: 'ci-jupyterlab:plugin',
  description:
    'A sidebar chat that writes, runs and fixes code cells in your notebook.',
  autoStart: true,
  requires: [INotebookTracker, IRenderMimeRegistry],
  optional: [
    ICommandPalette,
    ILayoutRestorer,
    ISessionContextDialogs,
    ITranslator
  ],
  provides: ICodeInterpreter,
  activate: activateCodeInterpreter
};

/**
 * Create the chat model and the websocket client; the cell service, which
 * answers what the server asks of the notebooks; the notebook watcher; the
 * controller of the user's actions and the sidebar panel. Add the open and
 * export commands to the palette; read the server configuration.
 */
function activateCodeInterpreter(
  app: JupyterFrontEnd,
  tracker: INotebookTracker,
  rendermime: IRenderMimeRegistry,
  palette: ICommandPalette | null,
  restorer: ILayoutRestorer | null,
  sessionDialogs: ISessionContextDialogs | null,
  translator: ITranslator | null
): ICodeInterpreter {
  const model = new ChatModel();
  const client = new ChatClient();
  const cells = new CellService({
    client,
    model,
    tracker,
    sessionDialogs: sessionDialogs ?? undefined,
    translator: translator ?? undefined
  });
  new NotebookWatcher({ client, model, tracker });
  const controller = new ChatController({
    app,
    tracker,
    model,
    client,
    cells
  });
  void controller.loadConfig();

  const panel = new ChatPanel({ controller, rendermime });
  app.shell.add(panel, 'right', { rank: SIDEBAR_RANK });
  restorer?.add(panel, 'ci-jupyterlab-chat');

  app.commands.addCommand(CommandIDs.open, {
    label: 'Open Code Interpreter',
    caption: 'Show the Code Interpreter chat',
    execute: () => app.shell.activateById(panel.id)
  });
  app.commands.addCommand(CommandIDs.exportNotebook, {
    label: 'Export Reproducible Notebook',
    caption:
      "Save a clean copy of the Code Interpreter's notebook, verified by re-running it in a fresh kernel",
    isEnabled: () => controller.canExport,
    execute: () => controller.exportNotebook()
  });

  palette?.addItem({ command: CommandIDs.open, category: CATEGORY });
  palette?.addItem({ command: CommandIDs.exportNotebook, category: CATEGORY });

  return controller;
}

export default plugin;
