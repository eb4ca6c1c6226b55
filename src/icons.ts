import { LabIcon } from '@jupyterlab/ui-components';

/** A speech bubble holding a code sign: the sidebar tab of the chat. */
const CHAT_ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" fill-rule="evenodd" d="M4 3h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2h-7l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm5.3 4.3L6.6 10l2.7 2.7 1.4-1.4L9.4 10l1.3-1.3zm5.4 0-1.4 1.4 1.3 1.3-1.3 1.3 1.4 1.4 2.7-2.7z"/>
</svg>`;

export const chatIcon = new LabIcon({
  name: 'ci-jupyterlab:chat',
  svgstr: CHAT_ICON_SVG
});

/** A page with an arrow leaving it: the export (a floppy disk would read as Save). */
const EXPORT_ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M6 2h8l4 4v5h-2V7h-3V4H6v16h10v-3h2v3a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2zm12.6 9.6L22 15l-3.4 3.4-1.4-1.4 1-1H11v-2h7.2l-1-1z"/>
</svg>`;

export const exportNotebookIcon = new LabIcon({
  name: 'ci-jupyterlab:export',
  svgstr: EXPORT_ICON_SVG
});

/** A paperclip: attach files. */
const PAPERCLIP_ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="none" stroke="#616161" stroke-width="2" stroke-linecap="round" d="M20 11.5l-7.8 7.8a5 5 0 0 1-7.1-7.1l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7l-8.5 8.5a1.7 1.7 0 0 1-2.4-2.4l7.8-7.8"/>
</svg>`;

export const paperclipIcon = new LabIcon({
  name: 'ci-jupyterlab:paperclip',
  svgstr: PAPERCLIP_ICON_SVG
});
