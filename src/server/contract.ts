/**
 * The chat protocol's shared words, generated from
 * ci_jupyterlab/agent/contract.json by scripts/generate_contract.py: do not
 * edit; change the JSON and run `python scripts/generate_contract.py`.
 * tests/test_contract.py checks that this file, src/server/protocol.ts and the
 * Python side all agree with the JSON.
 */

export const PROTOCOL_VERSION = 3;

export const EXECUTION_STATUSES = [
  'ok',
  'error',
  'timeout',
  'cancelled',
  'kernel_dead',
  'kernel_restarted',
  'notebook_closed',
  'notebook_deleted'
] as const;

export const RUN_STATUSES = [
  'ok',
  'error',
  'timeout',
  'cancelled',
  'kernel_dead',
  'kernel_restarted',
  'notebook_closed',
  'notebook_deleted',
  'no_response'
] as const;

export const PHASES = [
  'thinking',
  'waiting',
  'running',
  'fixing',
  'done',
  'stopped',
  'error'
] as const;

export const DONE_REASONS = [
  'answered',
  'max_attempts',
  'max_rounds',
  'max_cost',
  'stuck',
  'stopped',
  'kernel',
  'interrupted',
  'error'
] as const;

export const CELL_CHECK_STATUSES = [
  'reproduced',
  'ran',
  'differs',
  'failed',
  'not_run'
] as const;

export const APPROVAL_KINDS = [
  'install',
  'risky',
  'review',
  'tool'
] as const;

export const INTENTS = [
  'ask',
  'fix',
  'explain'
] as const;

export const CHANGE_KINDS = [
  'inserted',
  'edited',
  'rerun'
] as const;

export const REVIEW_ACTIONS = [
  'accepted',
  'reverted'
] as const;

export const CELL_STATES = [
  'waiting',
  'started'
] as const;

export const KERNEL_CAUSES = [
  'restarted',
  'died_restarted',
  'died',
  'changed',
  'undo'
] as const;

export const KERNEL_CARD_STATES = [
  'offered',
  'restoring',
  'restored',
  'failed',
  'stopped'
] as const;

export const ANSWER_CHECK_STAGES = [
  'sent_back',
  'marked'
] as const;

export const CLIENT_MESSAGE_TYPES = [
  'answer',
  'approval',
  'attach',
  'cell_state',
  'execution_result',
  'inspect_result',
  'kernel_card',
  'notebook_description',
  'notebook_moved',
  'open_notebooks',
  'review',
  'stop',
  'undo',
  'user_message'
] as const;

export const SERVER_MESSAGE_TYPES = [
  'answer_check',
  'answer_cut_off',
  'approval_answer',
  'approval_details',
  'approval_request',
  'attached',
  'cell_done',
  'describe_notebook',
  'done',
  'error',
  'export',
  'files_changed',
  'hello',
  'inspect',
  'kernel_card',
  'notebook_changes',
  'question',
  'question_answer',
  'review',
  'rules',
  'run_cell',
  'status',
  'text_delta',
  'tool_call',
  'tool_result',
  'undo',
  'usage',
  'user_message',
  'warning'
] as const;

export const SETTING_NAMES = [
  'base_url',
  'model',
  'approval',
  'max_attempts',
  'max_rounds',
  'cell_timeout',
  'prompt_budget',
  'send_images',
  'max_cost_per_request',
  'mcp_servers',
  'mcp_always_allow'
] as const;

export const OUTPUT_BOUNDS = {
  text_chars: 50000,
  image_chars: 1000000,
  step_chars: 2000000,
  output_nesting: 50
} as const;
