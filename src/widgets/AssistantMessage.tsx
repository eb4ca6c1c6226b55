import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { IAssistantEntry } from '../chat/entries';
import { Markdown } from './Markdown';

export interface IAssistantMessageProps {
  entry: IAssistantEntry;
  rendermime: IRenderMimeRegistry;
  trans: TranslationBundle;
}

/**
 * The assistant's markdown. An answer the server's answer check sent back
 * (it stated numbers no output shows) stays, folded, as "First answer"
 * above the revised one; numbers the revised answer still states without
 * an output that shows them are marked, with a tooltip.
 */
export function AssistantMessage({
  entry,
  rendermime,
  trans
}: IAssistantMessageProps): JSX.Element {
  const markdown = (
    <Markdown
      source={entry.text}
      rendermime={rendermime}
      trans={trans}
      marks={entry.unsupported}
    />
  );
  if (!entry.firstAnswer) {
    return (
      <div className="jp-ci-Message jp-ci-Message-assistant">{markdown}</div>
    );
  }
  return (
    <details className="jp-ci-Message jp-ci-Message-assistant jp-ci-FirstAnswer">
      <summary
        title={trans.__(
          'It stated numbers that no output shows; the assistant was asked to check them and answered again below.'
        )}
      >
        {trans.__('First answer')}
      </summary>
      {markdown}
    </details>
  );
}
