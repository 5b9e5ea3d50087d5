"""Keeping secrets out of what is shown, stored and logged.

A CRM may echo what it was sent, escaped as its language escapes text: a
secret is looked for as written and in its JSON, PHP, Python repr,
URL-encoded and HTML spellings. Pure: imports nothing of Django.
"""

import functools
import re
from collections.abc import Iterable

REDACTED = "[redacted]"
# Shorter secrets are replaced only as written: the escaped spelling of one or
# two characters (``\/``, ``%2F``, ``\u0031``) is ordinary JSON or URL text,
# and redacting it would mangle answers without hiding anything.
MIN_ESCAPED_SECRET_LENGTH = 4


# An Authorization header echoed back, whatever the scheme; its quotes may be
# escaped (JSON inside JSON).
_AUTHORIZATION_RE = re.compile(
    r"(?i)\b((?:proxy-)?authorization\b(?:\\{0,8}[\"'])?\s*[:=]\s*(?:\\{0,8}[\"'])?)"
    r"(?:(bearer|basic|token|digest)\s+)?[^\s\"',;]+?(?=\\{0,8}(?:[\s\"',;]|$))"
)

# Characters with a backslash escape of their own in JSON or a Python repr.
_SHORT_ESCAPES = {
    "/": "/",
    '"': '"',
    "'": "'",
    "\\": "\\",
    "\b": "b",
    "\f": "f",
    "\n": "n",
    "\r": "r",
    "\t": "t",
}
_HTML_NAMES = {"&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos"}
# One backslash, or more where escaped text was escaped again (JSON in JSON in
# JSON takes seven). Bounded, so that a long run of backslashes in an answer
# costs little to search.
_BACKSLASHES = r"\\{1,8}"


def _spellings(char: str) -> str:
    r"""A regex for one character of a secret, as written or escaped: JSON
    (``\/``, ``\u002b``), a Python repr (``\'``, ``\x2b``, the bytes of
    its UTF-8), URL-encoding (``%2B``, ``+`` for a space) or HTML."""
    code = ord(char)
    utf8 = char.encode("utf-8", "surrogatepass")
    utf16 = char.encode("utf-16-be", "surrogatepass")
    escaped = [
        "".join(
            f"{_BACKSLASHES}u{int.from_bytes(utf16[i : i + 2]):04x}"
            for i in range(0, len(utf16), 2)
        ),
        f"{_BACKSLASHES}U{code:08x}",
        "".join(f"{_BACKSLASHES}x{byte:02x}" for byte in utf8),
        "".join(f"%{byte:02x}" for byte in utf8),
        f"&#0{{0,4}}{code};",
        f"&#x0{{0,4}}{code:x};",
    ]
    if code < 0x100:
        escaped.append(f"{_BACKSLASHES}x{code:02x}")
    if char in _SHORT_ESCAPES:
        escaped.append(_BACKSLASHES + re.escape(_SHORT_ESCAPES[char]))
    if char in _HTML_NAMES:
        escaped.append(f"&{_HTML_NAMES[char]};")
    literal = [re.escape(char)]
    # A form decoder reads "+" as a space, and an encoder writes a space so.
    if char == " ":
        literal.append(r"\+")
    elif char == "+":
        literal.append(" ")
    escaped = list(dict.fromkeys(escaped))  # ASCII's \x form is there twice
    return f"(?:{'|'.join(literal)}|(?i:{'|'.join(escaped)}))"


@functools.lru_cache(maxsize=128)
def _secrets_re(secrets: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for every secret, longest first, each in all its forms."""
    return re.compile(
        "|".join(
            "".join(map(_spellings, secret))
            if len(secret) >= MIN_ESCAPED_SECRET_LENGTH
            else re.escape(secret)
            for secret in secrets
        )
    )


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret, escaped forms included, and any
    Authorization header masked."""
    if not text:
        return text
    ordered = tuple(sorted({s for s in secrets if s}, key=lambda s: (-len(s), s)))
    if ordered:
        # One pass, so that a secret is never looked for inside a mark.
        text = _secrets_re(ordered).sub(REDACTED, text)
    return _AUTHORIZATION_RE.sub(
        lambda match: (
            f"{match.group(1)}{match.group(2) + ' ' if match.group(2) else ''}"
            f"{REDACTED}"
        ),
        text,
    )
