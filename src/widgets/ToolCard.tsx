import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { IToolEntry } from '../chat/entries';

export interface IToolCardProps {
  entry: IToolEntry;
  trans: TranslationBundle;
}

/**
 * A call of the model to a tool of an MCP server, as a step of its own: the
 * tool, its arguments, and once it ended, its result (bounded, as the model
 * got it) or why it did not run.
 */
export const ToolCard = React.memo(function ToolCard({
  entry,
  trans
}: IToolCardProps): JSX.Element {
  return (
    <div
      className={`jp-ci-Tool jp-ci-mod-${entry.status}`}
      role="group"
      aria-label={trans.__('Tool call %1', entry.tool)}
    >
      <div className="jp-ci-ToolHeader">
        <span className="jp-ci-ToolName">
          {trans.__('Tool %1', entry.tool)}
        </span>
        <span className="jp-ci-ToolStatus" role="status">
          {status(entry, trans)}
        </span>
      </div>
      <pre className="jp-ci-ToolArguments" aria-label={trans.__('Arguments')}>
        {entry.arguments}
      </pre>
      {entry.text && (
        <pre className="jp-ci-ToolResult" aria-label={trans.__('Result')}>
          {entry.text}
        </pre>
      )}
    </div>
  );
});

function status(entry: IToolEntry, trans: TranslationBundle): string {
  switch (entry.status) {
    case 'running':
      return trans.__('Calling…');
    case 'ok':
      return trans.__('Done');
    case 'error':
      return trans.__('The tool reported an error');
    case 'declined':
      return trans.__('Not called: declined');
  }
}
