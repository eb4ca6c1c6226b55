/**
 * A server message of a conversation's session, applied to the
 * conversation: its entries, its request's state, its usage, its change
 * sets and kernel cards. Live messages and a replayed history alike.
 */
import type { Conversation } from './conversation';
import {
  approvalEntry,
  IApprovalEntry,
  questionEntry,
  stepEntry,
  toolEntry,
  withInstallPlan
} from './entries';
import type { ServerMessage } from '../server/protocol';

/** Apply one message of the conversation's session. */
export function applyMessage(
  conversation: Conversation,
  message: ServerMessage
): void {
  const { log, lifecycle } = conversation;
  switch (message.type) {
    case 'text_delta':
      log.appendText(message.text);
      break;
    case 'run_cell':
      log.push(stepEntry(message, lifecycle.clock()));
      break;
    case 'user_message':
      conversation.startRequest(
        message.text,
        message.attachments,
        message.client ?? null
      );
      break;
    case 'cell_done':
      conversation.updateStep(message.call_id, {
        state: message.status,
        ...(message.error && { error: message.error }),
        ...(message.outputs && { outputs: message.outputs }),
        ...(message.checks && { checks: message.checks }),
        durationMs: message.duration_ms ?? null
      });
      break;
    case 'answer_cut_off':
      log.dropStreamedText();
      conversation.addNotice(message.message, null, 'info');
      break;
    case 'approval_answer':
      conversation.decideApproval(message.request_id, message.approved);
      break;
    case 'attached':
      lifecycle.attached(
        message.role === 'watcher' && message.busy,
        message.busy
      );
      break;
    case 'export':
      conversation.addExport(message);
      break;
    case 'files_changed':
      conversation.updateStep(message.call_id, { files: message.files });
      break;
    case 'approval_request':
      lifecycle.phaseBegins();
      log.push(approvalEntry(message, log.last('user')?.client ?? null));
      break;
    case 'approval_details':
      log.replace(
        entry =>
          entry.kind === 'approval' && entry.requestId === message.request_id,
        entry => withInstallPlan(entry as IApprovalEntry, message)
      );
      break;
    case 'tool_call':
      log.push(toolEntry(message));
      break;
    case 'tool_result':
      log.replace(
        entry => entry.kind === 'tool' && entry.callId === message.call_id,
        entry => ({ ...entry, status: message.status, text: message.text })
      );
      break;
    case 'question':
      lifecycle.phaseBegins();
      log.push(questionEntry(message));
      break;
    case 'question_answer':
      conversation.answerQuestion(message.request_id, message);
      break;
    case 'status':
      lifecycle.setStatus(message);
      break;
    case 'usage':
      conversation.usageCounter.update(message);
      break;
    case 'error':
      conversation.addNotice(message.message, message.hint);
      if (message.code === 'not_your_conversation') {
        conversation.leaveForeignSession();
      }
      break;
    case 'done':
      if (message.reason === 'kernel') {
        conversation.kernelCards.dropClosingError();
      }
      conversation.finishRequest(message.reason);
      if (message.reason === 'kernel') {
        conversation.kernelCards.endedByKernel();
      }
      break;
    case 'kernel_card':
      conversation.kernelCards.showRecorded(message);
      break;
    case 'notebook_changes':
      conversation.updateChanges(
        message.request,
        message.changes,
        message.state_changed ?? false
      );
      break;
    case 'rules':
      log.replaceLast('user', entry => ({
        ...entry,
        rules: message.files
      }));
      break;
    case 'answer_check':
      log.replaceLast('assistant', entry =>
        message.stage === 'sent_back'
          ? { ...entry, firstAnswer: true }
          : { ...entry, unsupported: message.numbers }
      );
      break;
    case 'warning':
      conversation.addNotice(message.message, message.hint || null, 'warning');
      break;
    case 'review':
      conversation.recordReview(
        message.request,
        message.cell_id,
        message.action
      );
      break;
    case 'undo':
      conversation.recordUndo(message.request, message);
      break;
    case 'hello':
    case 'inspect':
      break;
  }
}
