"""The ``ask_user`` tool: the model pauses the request for the user's choice.

The original Code Interpreter's best habit was "giving options and pausing
for confirmation". The model calls ``ask_user`` with a question and 2-5
options; the front end shows them (the panel as a card with buttons and a
text box) and the answer continues the same request: same steps, same
budget. Front ends that cannot ask (``%%ci``, ``jupyter ci run``) answer with
the first option, or the one ``--choose N`` names, and say so.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from .actions import BadArguments
from .events import Question

ASK_USER = "ask_user"
MIN_OPTIONS, MAX_OPTIONS = 2, 5
#: Characters of the question, of one option, and of the user's own words.
QUESTION_CHARS = 1000
OPTION_CHARS = 200
ANSWER_CHARS = 2000

ASK_USER_TOOL = {
    "type": "function",
    "function": {
        "name": ASK_USER,
        "description": (
            "Pause and ask the user to choose, when the request can reasonably be done in different ways "
            "(which columns, all items or a subset, which chart) and a wrong guess would waste their time. "
            f"Give {MIN_OPTIONS}-{MAX_OPTIONS} short options; the user picks one or writes their own answer, "
            "and you continue with it. Do not ask what the data or the request already answers."
        ),
        "parameters": {
            "type": "object",
            "properties": {
                "question": {"type": "string", "description": "The question, in the user's language."},
                "options": {
                    "type": "array",
                    "items": {"type": "string"},
                    "minItems": MIN_OPTIONS,
                    "maxItems": MAX_OPTIONS,
                    "description": "The choices, most likely first.",
                },
            },
            "required": ["question", "options"],
            "additionalProperties": False,
        },
    },
}


@dataclass(frozen=True)
class UserAnswer:
    """How the user answered: the index of the option they chose, or their own words."""

    option: int | None = None
    text: str = ""
    #: Who answered when nobody could be asked ("--choose 2"), for the model and the user.
    chosen_by: str | None = None


#: Asked when the model calls ``ask_user``, right after the ``Question`` is yielded.
Ask = Callable[[Question], Awaitable[UserAnswer]]


def question_from_arguments(raw: str) -> tuple[str, list[str]]:
    """The question and options of an ``ask_user`` call; ``BadArguments`` says what is wrong."""
    try:
        arguments = json.loads(raw or "{}")
    except json.JSONDecodeError as exc:
        raise BadArguments(f"the arguments are not valid JSON ({exc.msg} at position {exc.pos})") from None
    shape = f'the arguments must be an object {{"question": "...", "options": [{MIN_OPTIONS}-{MAX_OPTIONS} strings]}}'
    if not isinstance(arguments, dict):
        raise BadArguments(shape)
    question, options = arguments.get("question"), arguments.get("options")
    if not isinstance(question, str) or not question.strip():
        raise BadArguments(shape)
    if not isinstance(options, list) or not all(isinstance(option, str) and option.strip() for option in options):
        raise BadArguments(shape)
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise BadArguments(f"give {MIN_OPTIONS} to {MAX_OPTIONS} options, not {len(options)}")
    return question.strip()[:QUESTION_CHARS], [option.strip()[:OPTION_CHARS] for option in options]


def preset_answer(question: Question, choose: int | None, flag: str) -> UserAnswer:
    """The answer given in advance (``flag N``, 1-based) by a front end that cannot ask; else the first option."""
    if choose is not None and 1 <= choose <= len(question.options):
        return UserAnswer(choose - 1, chosen_by=f"{flag} {choose}")
    if choose is not None:
        return UserAnswer(0, chosen_by=f"the first: {flag} {choose} is not one of the {len(question.options)}")
    return UserAnswer(0, chosen_by=f"the first, by default; {flag} N picks another")


def first_option_or(choose: int | None, flag: str) -> Ask:
    """``preset_answer`` as the loop asks for answers."""

    async def answer(question: Question) -> UserAnswer:
        return preset_answer(question, choose, flag)

    return answer


def checked_answer(answer: UserAnswer, question: Question) -> UserAnswer:
    """An answer the question can take: an option it has, or words within bounds."""
    if answer.option is not None and not 0 <= answer.option < len(question.options):
        raise ValueError(f"there is no option {answer.option + 1}; choose 1 to {len(question.options)}")
    if answer.option is None and not answer.text.strip():
        raise ValueError("the answer is empty: choose an option or write one")
    return UserAnswer(answer.option, answer.text.strip()[:ANSWER_CHARS], answer.chosen_by)


def answer_for_model(question: Question, answer: UserAnswer) -> str:
    """The tool result the model continues from."""
    if answer.option is None:
        return f"The user answered in their own words: {answer.text}"
    chosen = f'option {answer.option + 1}: "{question.options[answer.option]}"'
    if answer.chosen_by:
        return f"The user could not be asked; {chosen} was taken ({answer.chosen_by}). Say so in your answer."
    return f"The user chose {chosen}."


def answer_summary(question: Question, answer: UserAnswer) -> str:
    """One line on the answer, for a terminal or a notebook."""
    if answer.option is None:
        return f"answered: {answer.text}"
    chosen = f'option {answer.option + 1}, "{question.options[answer.option]}"'
    return f"{chosen} ({answer.chosen_by})" if answer.chosen_by else chosen
