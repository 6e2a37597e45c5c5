"""The lines of ToxiGen's prompt files: string-literal bodies, decoded exactly.

TOXIGEN's generator wrote each prompt as `repr(prompt)[1:-1]`; a line is read back as
the body of a Python string literal (every escape, no eval).
"""

from __future__ import annotations

import unicodedata

from audit.datasets import DatasetError

# Escapes of a Python string literal (the language reference's table) that take no digits.
_SIMPLE_ESCAPES: dict[str, str] = {
    "\\": "\\",
    "'": "'",
    '"': '"',
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
}
# Escapes followed by exactly this many hexadecimal digits.
_HEX_ESCAPES: dict[str, int] = {"x": 2, "u": 4, "U": 8}
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_OCTAL_DIGITS = frozenset("01234567")


class LiteralBodyError(ValueError):
    """A line that is not the body of a Python string literal; says where, never what."""

    def __init__(self, column: int, reason: str) -> None:
        super().__init__(f"column {column}: {reason}")
        self.column = column
        """1-based position of the offending character in the line."""
        self.reason = reason
        """What is wrong there, without quoting the line."""


def decode_literal_body(body: str) -> str:
    """The string whose literal body is `body`: `repr(s)[1:-1]` decodes back to `s`.

    Every escape of a Python (non-raw, non-bytes) string literal is read, without
    eval. Stricter than the compiler in two ways, both of which `repr` never writes:
    an unknown escape (`\\d`, which Python keeps with a warning) is an error, and so is
    a body holding both an unescaped `'` and an unescaped `"` (no quote could delimit it).
    Errors name the column and never echo the text, which may come from any file.
    """
    out: list[str] = []
    raw_quotes: set[str] = set()
    start = 0
    length = len(body)
    while True:
        slash = body.find("\\", start)
        raw = body[start:] if slash < 0 else body[start:slash]
        for quote in "'\"":
            if quote in raw and quote not in raw_quotes:
                raw_quotes.add(quote)
                if len(raw_quotes) == 2:
                    raise LiteralBodyError(
                        start + raw.index(quote) + 1,
                        "both ' and \" appear unescaped, so no quote could delimit it",
                    )
        out.append(raw)
        if slash < 0:
            break
        column = slash + 1
        if slash + 1 >= length:
            raise LiteralBodyError(column, "the line ends in a lone backslash")
        kind = body[slash + 1]
        if kind in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[kind])
            start = slash + 2
        elif kind in _HEX_ESCAPES:
            width = _HEX_ESCAPES[kind]
            digits = body[slash + 2 : slash + 2 + width]
            if len(digits) < width or not set(digits) <= _HEX_DIGITS:
                raise LiteralBodyError(
                    column, f"a \\{kind} escape needs {width} hexadecimal digits"
                )
            code = int(digits, 16)
            if code > 0x10FFFF:
                raise LiteralBodyError(column, "a \\U escape beyond U+10FFFF")
            out.append(chr(code))
            start = slash + 2 + width
        elif kind in _OCTAL_DIGITS:
            end = slash + 2
            while end < min(slash + 4, length) and body[end] in _OCTAL_DIGITS:
                end += 1
            out.append(chr(int(body[slash + 1 : end], 8)))
            start = end
        elif kind == "N":
            close = body.find("}", slash + 3)
            if slash + 2 >= length or body[slash + 2] != "{" or close < 0:
                raise LiteralBodyError(column, "a \\N escape needs a {name}")
            try:
                out.append(unicodedata.lookup(body[slash + 3 : close]))
            except KeyError:
                raise LiteralBodyError(column, "a \\N escape names no Unicode character") from None
            start = close + 1
        else:
            raise LiteralBodyError(
                column, "a backslash followed by a character that starts no escape"
            )
    return "".join(out)


class NotAPromptLineError(ValueError):
    """Why a line is not a ToxiGen prompt; never quotes the line."""


def decode_prompt_line(line: str) -> str:
    try:
        prompt = decode_literal_body(line.removesuffix("\r"))
    except LiteralBodyError as exc:
        raise NotAPromptLineError(
            f"not a ToxiGen prompt line (the body of a Python string literal, as "
            f"repr(prompt)[1:-1] writes it): {exc}"
        ) from None
    if not prompt.endswith("-"):
        raise NotAPromptLineError(
            "a ToxiGen prompt ends with the open item '-' (after its demonstrations, "
            "each '- ...' and a newline)"
        )
    return prompt


def parse_prompt_line(line: str, *, source: str, row: int) -> str:
    """The prompt TOXIGEN's generator wrote as this line (`repr(prompt)[1:-1]`), exactly.

    Demonstrations are kept as written, empty or odd ones included. The line must be a
    string-literal body (a CRLF file's `\\r` aside), and the prompt must end with the
    open item `-` that the generator always appends: anything else is not a ToxiGen
    prompt file.
    """
    try:
        return decode_prompt_line(line)
    except NotAPromptLineError as exc:
        raise DatasetError(str(exc), source=source, row=row, field="prompt") from None
