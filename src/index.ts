import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, ISessionContextDialogs } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { CellService } from './notebook/cellService';
import { ChangeMarkers } from './changes/changeMarkers';
import { ApprovalAlert } from './chat/approvalAlert';
import { ChangeReviewer } from './changes/changeReview';
import { ChatClient } from './server/chatClient';
import { addCommands, CommandIDs } from './commands';
import { ChatController } from './controller';
import { ConversationSync } from './chat/conversationSync';
import { Dismissals } from './chat/dismissals';
import { errorRendererFactory } from './notebook/errorRenderer';
import { ChatModel } from './chat/model';
import { NotebookWatcher } from './notebook/notebookWatcher';
import { OpenNotebooks } from './notebook/openNotebooks';
import { claimPageKey } from './server/pageKey';
import { Preferences } from './settings/preferences';
import { chatRendermime } from './rendering/chatRendermime';
import { ICodeInterpreter } from './tokens';
import { ChatPanel } from './widgets/ChatPanel';

export { CommandIDs } from './commands';
export { ICodeInterpreter } from './tokens';

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
    ISettingRegistry,
    IStateDB,
    ITranslator
  ],
  provides: ICodeInterpreter,
  activate: activateCodeInterpreter
};

/**
 * Claim the page's key (see pageKey.ts). Create the chat model and the
 * websocket client, then the parts that use them: the cell service (what
 * the server asks of the notebooks), the
 * conversation sync (the model in step with the server and the active
 * notebook), the notebook watcher (renames, kernel loss), the open
 * notebooks (where outside agents' requests run), the change
 * markers and reviewer (what requests changed in the notebook), the
 * controller of the user's actions, and the sidebar panel, whose buttons run
 * the commands (see addCommands), with a badge on its tab while an approval
 * waits out of sight (see ApprovalAlert); error outputs get Fix and Explain buttons
 * (see errorRendererFactory). Follow the user's preferences in the plugin's
 * settings; keep dismissed change cards in the state database; read the
 * server configuration.
 */
function activateCodeInterpreter(
  app: JupyterFrontEnd,
  tracker: INotebookTracker,
  rendermime: IRenderMimeRegistry,
  palette: ICommandPalette | null,
  restorer: ILayoutRestorer | null,
  sessionDialogs: ISessionContextDialogs | null,
  settingRegistry: ISettingRegistry | null,
  state: IStateDB | null,
  translator: ITranslator | null
): ICodeInterpreter {
  // First of all, before the assistant can run any code: this page claims
  // the key that guards the approval mode, the model server and the API key.
  void claimPageKey();
  translator = translator ?? nullTranslator;
  const trans = translator.load('ci_jupyterlab');
  const preferences = new Preferences();
  settingRegistry
    ?.load(plugin.id)
    .then(settings => preferences.follow(settings))
    .catch(error =>
      console.warn('ci-jupyterlab: settings not loaded, defaults used', error)
    );
  const model = new ChatModel({ trans, dismissals: new Dismissals(state) });
  const client = new ChatClient();
  const cells = new CellService({
    client,
    model,
    tracker,
    trans,
    sessionDialogs: sessionDialogs ?? undefined,
    translator,
    contents: app.serviceManager.contents
  });
  const sync = new ConversationSync({ client, model, tracker, trans });
  new NotebookWatcher({ client, model, tracker, trans });
  new OpenNotebooks({ client, model, tracker, sync });
  new ChangeMarkers({ model, tracker, trans });
  const reviewer = new ChangeReviewer({
    client,
    model,
    tracker,
    trans,
    sessionDialogs: sessionDialogs ?? undefined,
    translator,
    save: session => cells.save(session)
  });
  const controller = new ChatController({
    app,
    tracker,
    model,
    client,
    cells,
    sync,
    trans,
    preferences,
    reviewer
  });
  void sync.loadConfig();

  const panel = new ChatPanel({
    controller,
    commands: app.commands,
    rendermime: chatRendermime(rendermime, trans),
    trans,
    preferences
  });
  app.shell.add(panel, 'right', { rank: SIDEBAR_RANK });
  restorer?.add(panel, 'ci-jupyterlab-chat');
  new ApprovalAlert({
    model,
    panel,
    trans,
    show: () => app.shell.activateById(panel.id)
  });
  addCommands(app, controller, panel, tracker, palette, trans);
  // Notebooks opened from now on render errors with Fix and Explain buttons.
  rendermime.addFactory(
    errorRendererFactory(
      app.commands,
      { fix: CommandIDs.fixCell, explain: CommandIDs.explainCell },
      trans
    )
  );

  return controller;
}

export default plugin;
