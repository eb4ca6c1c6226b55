import type { TranslationBundle } from '@jupyterlab/translation';
import { closeIcon } from '@jupyterlab/ui-components';
import React from 'react';

import type { Conversation } from '../chat/model';
import { fileSizeLabel } from './labels';

/**
 * The files attached to the next request, as chips: uploading ones with a
 * progress bar; each can be removed before sending (the saved file stays).
 */
export function Attachments({
  conversation,
  trans
}: {
  conversation: Conversation;
  trans: TranslationBundle;
}): JSX.Element | null {
  if (conversation.attachments.length === 0) {
    return null;
  }
  return (
    <ul className="jp-ci-Attachments" aria-label={trans.__('Attached files')}>
      {conversation.attachments.map(attachment => (
        <li
          key={attachment.id}
          className="jp-ci-Chip"
          title={attachment.path ?? trans.__('Uploading %1', attachment.name)}
        >
          <span className="jp-ci-ChipName">{attachment.name}</span>
          <span className="jp-ci-ChipSize">
            {fileSizeLabel(attachment.size)}
          </span>
          {attachment.path === null && (
            <progress
              className="jp-ci-Progress"
              max={1}
              value={attachment.progress}
              aria-label={trans.__('Uploading %1', attachment.name)}
            />
          )}
          <button
            type="button"
            className="jp-ci-ChipRemove"
            aria-label={trans.__('Remove %1', attachment.name)}
            title={trans.__('Do not send this file')}
            onClick={() => conversation.removeAttachment(attachment.id)}
          >
            <closeIcon.react tag="span" />
          </button>
        </li>
      ))}
    </ul>
  );
}
