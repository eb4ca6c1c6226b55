import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { IEntryActions } from './actions';

export interface IRulesLineProps {
  /** The rules files the model was given, as server-root paths. */
  files: ReadonlyArray<string>;
  actions: IEntryActions;
  trans: TranslationBundle;
}

/** "Rules: AGENTS.md": the project's rules files a request followed, each a link that opens it. */
export function RulesLine({
  files,
  actions,
  trans
}: IRulesLineProps): JSX.Element {
  return (
    <div className="jp-ci-Rules">
      {trans.__('Rules:')}{' '}
      {files.map((path, index) => (
        <React.Fragment key={path}>
          {index > 0 && ', '}
          <button
            type="button"
            className="jp-ci-LinkButton"
            title={trans.__('Open %1', path)}
            onClick={() => void actions.openFile(path)}
          >
            {path}
          </button>
        </React.Fragment>
      ))}
    </div>
  );
}
