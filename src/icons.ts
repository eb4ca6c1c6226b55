import { LabIcon } from '@jupyterlab/ui-components';

/** A speech bubble holding a code sign: the sidebar tab of the chat. */
const CHAT_ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" fill-rule="evenodd" d="M4 3h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2h-7l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm5.3 4.3L6.6 10l2.7 2.7 1.4-1.4L9.4 10l1.3-1.3zm5.4 0-1.4 1.4 1.3 1.3-1.3 1.3 1.4 1.4 2.7-2.7z"/>
</svg>`;

export const chatIcon = new LabIcon({
  name: 'ci-jupyterlab:chat',
  svgstr: CHAT_ICON_SVG
});
