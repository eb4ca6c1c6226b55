"""The model-facing history of one conversation, kept across its requests.

Plain data in the Chat Completions wire format, so it is sent as it is and
saved with the session (``session_files.py``) without knowing the loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model_client import Reply
from .prompts import system_prompt

#: What the model reads in place of the images of a cell's output, once it refused images.
IMAGES_DROPPED = "(The cell displayed images; they are not sent: this model does not read images.)"


@dataclass
class Conversation:
    """The model-facing history of one session, kept across requests.

    ``use_tools`` turns false for good once the endpoint rejects tool calls.
    ``step`` counts the cells that this conversation has put in the notebook.
    """

    language: str | None = None
    use_tools: bool = True
    model_called_tools: bool = False
    messages: list[dict] = field(default_factory=list)
    step: int = 0

    def with_system_prompt(self) -> list[dict]:
        return [
            {"role": "system", "content": system_prompt(use_tools=self.use_tools, language=self.language)},
            *self.messages,
        ]

    def add_reply(self, reply: Reply) -> None:
        message: dict = {"role": "assistant", "content": reply.text or None}
        if reply.tool_calls:
            message["tool_calls"] = [
                {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
                for call in reply.tool_calls
            ]
        self.messages.append(message)

    def drop_images(self) -> bool:
        """Put a note in place of every image sent (the model does not read them); whether there was one."""
        dropped = False
        for index, message in enumerate(self.messages):
            if isinstance(message.get("content"), list) and any(
                part.get("type") == "image_url" for part in message["content"]
            ):
                self.messages[index] = {"role": message["role"], "content": IMAGES_DROPPED}
                dropped = True
        return dropped

    def add_result(self, call_id: str | None, text: str) -> None:
        """What a run gave: a tool message, or a user message in fenced mode."""
        if call_id is not None:
            self.messages.append({"role": "tool", "tool_call_id": call_id, "content": text})
        else:
            self.messages.append({"role": "user", "content": f"Output of the code:\n{text}"})

    def answer_dangling_calls(self, text: str) -> None:
        """Give every tool call still without a result one, so the history stays valid."""
        answered = {m["tool_call_id"] for m in self.messages if m["role"] == "tool"}
        for message in reversed(self.messages):
            if message["role"] == "assistant" and message.get("tool_calls"):
                for call in message["tool_calls"]:
                    if call["id"] not in answered:
                        self.add_result(call["id"], text)
                return
