import type { TranslationBundle } from '@jupyterlab/translation';
import { closeIcon } from '@jupyterlab/ui-components';
import React from 'react';

import type { Conversation } from '../chat/model';

/**
 * The cell the next request is about (chosen with Ask about this cell), as
 * a chip above the input; it can be removed before sending.
 */
export function CellChip({
  conversation,
  trans
}: {
  conversation: Conversation;
  trans: TranslationBundle;
}): JSX.Element | null {
  const reference = conversation.cellReference;
  if (!reference) {
    return null;
  }
  return (
    <div
      className="jp-ci-Attachments jp-ci-CellReference"
      role="group"
      aria-label={trans.__('The next request is about')}
    >
      <span
        className="jp-ci-Chip jp-ci-CellChip"
        title={trans.__('The model is shown this cell in full')}
      >
        <span className="jp-ci-ChipName">{reference.label}</span>
        <button
          type="button"
          className="jp-ci-ChipRemove"
          aria-label={trans.__('Remove %1', reference.label)}
          title={trans.__('Do not make the request about this cell')}
          onClick={() => (conversation.cellReference = null)}
        >
          <closeIcon.react tag="span" />
        </button>
      </span>
    </div>
  );
}
