/**
 * Fix and Explain buttons under every error output of a notebook.
 *
 * Lab gives an error output two types of data: the error itself
 * (`application/vnd.jupyter.error`), which no renderer of Lab's claims, and
 * its traceback as text (`application/vnd.jupyter.stderr`), which Lab's
 * error renderer shows. This factory claims the first one, ranked just
 * before Lab's: it shows the traceback with Lab's own renderer and adds the
 * buttons. Being a renderer, it is used whenever Lab renders an error: live,
 * again after a re-render, and for outputs restored from a saved notebook,
 * trusted or not. The buttons show only inside a notebook's code cell
 * (errors in the chat's step cards, consoles and output views have none).
 */
import { Cell } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import { RenderedError } from '@jupyterlab/rendermime';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { CommandRegistry } from '@lumino/commands';
import type { Message } from '@lumino/messaging';
import { PanelLayout, Widget } from '@lumino/widgets';

import type { ICellArgs } from './cellTarget';

/** The type of an error's own data, which Lab renders with no renderer of its own. */
export const ERROR_MIME_TYPE = 'application/vnd.jupyter.error';

/** The traceback as text: what Lab's error renderer shows. */
const TRACEBACK_MIME_TYPE = 'application/vnd.jupyter.stderr';

/** Just before Lab's error renderer (110), so error outputs come here. */
const RANK = 105;

/** The commands the buttons run, with the cell's path and id. */
export interface IErrorCommands {
  fix: string;
  explain: string;
}

/** The renderer factory of error outputs with Fix and Explain buttons. */
export function errorRendererFactory(
  commands: CommandRegistry,
  ids: IErrorCommands,
  trans: TranslationBundle
): IRenderMime.IRendererFactory {
  return {
    safe: true,
    mimeTypes: [ERROR_MIME_TYPE],
    defaultRank: RANK,
    createRenderer: options =>
      new ErrorWithActions(options, commands, ids, trans)
  };
}

/** Lab's rendering of the traceback, with the buttons below it. */
class ErrorWithActions extends Widget implements IRenderMime.IRenderer {
  constructor(
    options: IRenderMime.IRendererOptions,
    commands: CommandRegistry,
    ids: IErrorCommands,
    trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-ci-ErrorOutput');
    this._traceback = new RenderedError({
      ...options,
      mimeType: TRACEBACK_MIME_TYPE
    });
    this._actions = new Widget();
    this._actions.addClass('jp-ci-ErrorActions');
    this._actions.hide();
    const run = (command: string) => () => {
      const args = this._cellArgs();
      if (args) {
        void commands.execute(command, { ...args });
      }
    };
    this._actions.node.append(
      actionButton(
        trans.__('Fix'),
        trans.__('Fix with Code Interpreter'),
        run(ids.fix)
      ),
      actionButton(
        trans.__('Explain'),
        trans.__('Explain with Code Interpreter'),
        run(ids.explain)
      )
    );
    const layout = (this.layout = new PanelLayout());
    layout.addWidget(this._traceback);
    layout.addWidget(this._actions);
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    return this._traceback.renderModel(model);
  }

  /** Show the buttons only where they have a cell to act on. */
  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._actions.setHidden(this._cellArgs() === null);
  }

  /** The notebook cell this output is in, or null outside notebooks. */
  private _cellArgs(): Required<ICellArgs> | null {
    let cell: Cell | null = null;
    for (let widget = this.parent; widget; widget = widget.parent) {
      if (!cell && widget instanceof Cell) {
        cell = widget;
      } else if (cell && widget instanceof NotebookPanel) {
        return cell.model.type === 'code'
          ? { path: widget.context.path, cellId: cell.model.id }
          : null;
      }
    }
    return null;
  }

  private _traceback: RenderedError;
  private _actions: Widget;
}

/** A small button whose accessible name is `name`, with `text` shown. */
function actionButton(
  text: string,
  name: string,
  onClick: () => void
): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'jp-ci-ErrorAction';
  button.textContent = text;
  button.title = name;
  button.setAttribute('aria-label', name);
  button.addEventListener('click', onClick);
  return button;
}
