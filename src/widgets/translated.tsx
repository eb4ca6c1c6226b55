import React from 'react';

/**
 * A translated sentence with elements in it: each placeholder `%1`, `%2`...
 * of `text` is replaced by the element of that number, the rest stays text.
 *
 * Translate the message with its placeholders kept, by giving each one as
 * its own argument: `trans.__('Exported to %1', '%1')`.
 */
export function withElements(
  text: string,
  ...elements: React.ReactNode[]
): React.ReactNode[] {
  return text.split(/(%\d+)/).map((part, index) => {
    const placeholder = /^%(\d+)$/.exec(part);
    return placeholder ? (
      <React.Fragment key={index}>
        {elements[Number(placeholder[1]) - 1]}
      </React.Fragment>
    ) : (
      part
    );
  });
}
