"""AWS WAF's text transformations, applied in priority order before a statement inspects a component.

Each follows the description on https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-
transformation.html; they work on bytes, as AWS inspects bytes. Where the page leaves a detail open (what an invalid
Base64 or hex input decodes to, whether ``+`` is a space in URL_DECODE), the choice is said in the function's
docstring; none of them can raise on any input. Written by hand: no library implements AWS's (ModSecurity-derived)
set with these exact rules, and each is a few lines.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable

from parc.core.waf.model import Transformation

_HEX = b"0123456789abcdefABCDEF"


def _is_hex(b: int) -> bool:
    return b in _HEX


def compress_white_space(data: bytes) -> bytes:
    """\\f \\t \\n \\r \\v and non-breaking space (0xA0) become a space; runs of spaces become one."""
    out = data.translate(_WS_TABLE)
    return re.sub(b" {2,}", b" ", out)


_WS_TABLE = bytes.maketrans(b"\f\t\n\r\v\xa0", b"      ")


_ENTITY = re.compile(rb"&(?:#[xX]([0-9a-fA-F]{1,8});|#([0-9]{1,10});|(quot|nbsp|lt|gt);)")
_NAMED = {b"quot": b'"', b"nbsp": b"\xa0", b"lt": b"<", b"gt": b">"}


def _code_point(value: int) -> bytes:
    """A decoded character: one byte below 256 (as AWS's single-byte decoders), else its UTF-8 encoding."""
    if value < 256:
        return bytes([value])
    if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
        return b"?"
    return chr(value).encode("utf-8")


def html_entity_decode(data: bytes) -> bytes:
    """&quot; &nbsp; &lt; &gt; (the named entities the page lists), &#xhhhh; and &#nnnn;."""
    if b"&" not in data:
        return data
    def repl(m: re.Match[bytes]) -> bytes:
        if m.group(1):
            return _code_point(int(m.group(1), 16))
        if m.group(2):
            return _code_point(int(m.group(2)))
        return _NAMED[m.group(3)]
    return _ENTITY.sub(repl, data)


def lowercase(data: bytes) -> bytes:
    """A-Z to a-z (bytes.lower touches ASCII only)."""
    return data.lower()


def uppercase(data: bytes) -> bytes:
    return data.upper()


def cmd_line(data: bytes) -> bytes:
    """Delete \\ \" ' ^; delete spaces before / and (; , and ; become spaces; runs of spaces become one; lowercase."""
    out = data.translate(None, b"\\\"'^").translate(bytes.maketrans(b",;", b"  "))
    out = re.sub(b" {2,}", b" ", out)
    out = re.sub(b" +(?=[/(])", b"", out)
    return out.lower()


_PCT = re.compile(rb"%([0-9a-fA-F]{2})")
_PCT_UNI = re.compile(rb"%[uU]([0-9a-fA-F]{4})|%([0-9a-fA-F]{2})")


def url_decode(data: bytes, unicode: bool = False) -> bytes:
    """%HH decoded; ``+`` becomes a space (form encoding, as ModSecurity's urlDecode, which AWS's set derives from);
    an invalid escape is kept as written. With ``unicode`` (URL_DECODE_UNI), %uHHHH too, as JS_DECODE reads \\uHHHH.
    One pass: a decoded ``%`` does not start another escape."""
    if b"%" not in data:
        return data.replace(b"+", b" ")
    data = data.replace(b"+", b" ")
    if unicode:
        return _PCT_UNI.sub(lambda m: bytes([_wide(int(m.group(1), 16))]) if m.group(1) else
                            bytes([int(m.group(2), 16)]), data)
    return _PCT.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def _wide(value: int) -> int:
    """A 16-bit escape to one byte, as the guide says for JS_DECODE: full-width ASCII (FF01-FF5E) maps to its
    ASCII character; otherwise only the lower byte is kept."""
    if 0xFF01 <= value <= 0xFF5E:
        return (value & 0xFF) + 0x20
    return value & 0xFF


def base64_decode(data: bytes) -> bytes:
    """Standard Base64, decoded up to the first character outside the alphabet (padding optional); an input that
    decodes to nothing is kept as it was."""
    m = re.match(rb"[A-Za-z0-9+/]*", data)
    prefix = m.group(0) if m else b""
    prefix = prefix[: len(prefix) - (len(prefix) % 4 == 1)]
    if not prefix:
        return data
    try:
        return base64.b64decode(prefix + b"=" * (-len(prefix) % 4))
    except (binascii.Error, ValueError):
        return data


def base64_decode_ext(data: bytes) -> bytes:
    """Forgiving Base64: characters outside the alphabet (including URL-safe - and _ read as + and /) are
    ignored."""
    cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", data.replace(b"-", b"+").replace(b"_", b"/"))
    cleaned = cleaned[: len(cleaned) - (len(cleaned) % 4 == 1)]
    if not cleaned:
        return b""
    try:
        return base64.b64decode(cleaned + b"=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        return data


def hex_decode(data: bytes) -> bytes:
    """Pairs of hex digits to bytes; an input that is not an even run of hex digits is kept as it was."""
    try:
        return bytes.fromhex(data.decode("ascii")) if re.fullmatch(rb"(?:[0-9a-fA-F]{2})*", data) else data
    except (ValueError, UnicodeDecodeError):
        return data


def md5(data: bytes) -> bytes:
    return hashlib.md5(data, usedforsecurity=False).digest()


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def replace_comments(data: bytes) -> bytes:
    """Each C-style comment /* ... */ becomes one space; an unterminated one, to the end, too; a lone */ stays."""
    return re.sub(rb"/\*.*?(?:\*/|\Z)", b" ", data, flags=re.DOTALL)


def remove_comments_char(data: bytes) -> bytes:
    """Delete the comment characters /*, */, -- and #."""
    return re.sub(rb"/\*|\*/|--|#", b"", data)


_C_ESCAPES = {ord("a"): 7, ord("b"): 8, ord("f"): 12, ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("v"): 11,
              ord("\\"): 92, ord("?"): 63, ord("'"): 39, ord('"'): 34}


def escape_seq_decode(data: bytes) -> bytes:
    """ANSI C escapes: \\a \\b \\f \\n \\r \\t \\v \\\\ \\? \\' \\\" \\xHH and \\0OO octal (1-3 digits); any other
    backslash is kept as written."""
    if b"\\" not in data:
        return data
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        c = data[i]
        if c == 0x5C and i + 1 < n:
            nxt = data[i + 1]
            if nxt in _C_ESCAPES:
                out.append(_C_ESCAPES[nxt])
                i += 2
                continue
            if nxt in b"xX" and i + 4 <= n and _is_hex(data[i + 2]) and _is_hex(data[i + 3]):
                out.append(int(data[i + 2:i + 4], 16))
                i += 4
                continue
            m = re.match(rb"[0-7]{1,3}", data[i + 1:i + 4])
            if m:
                out.append(int(m.group(0), 8) & 0xFF)
                i += 1 + len(m.group(0))
                continue
        out.append(c)
        i += 1
    return bytes(out)


def sql_hex_decode(data: bytes) -> bytes:
    """0x followed by pairs of hex digits (as SQL writes string literals) becomes those bytes."""
    def repl(m: re.Match[bytes]) -> bytes:
        digits = m.group(1)
        return bytes.fromhex(digits[: len(digits) // 2 * 2].decode("ascii")) + digits[len(digits) // 2 * 2:]
    return re.sub(rb"0[xX]((?:[0-9a-fA-F]{2})+)", repl, data)


def css_decode(data: bytes) -> bytes:
    """CSS 2.x escapes: a backslash and 1-6 hex digits (one following whitespace swallowed) is that character, kept
    to two bytes (full-width ASCII folded as in JS_DECODE); a backslash before a newline is deleted; a backslash before
    any other character is that character."""
    if b"\\" not in data:
        return data
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        c = data[i]
        if c != 0x5C or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        j = i + 1
        while j < n and j - i <= 6 and _is_hex(data[j]):
            j += 1
        if j > i + 1:
            out.append(_wide(int(data[i + 1:j], 16) & 0xFFFF))
            if j < n and data[j] in b" \t\n\r\f":
                j += 1
            i = j
            continue
        if data[i + 1] == 0x0A:
            i += 2
            continue
        out.append(data[i + 1])
        i += 2
    return bytes(out)


def js_decode(data: bytes) -> bytes:
    """JavaScript escapes: \\uHHHH (full-width ASCII FF01-FF5E folded to ASCII, else the lower byte, as the guide
    says), \\xHH, \\OOO octal, the C letter escapes, and a backslash before any other character is that character."""
    if b"\\" not in data:
        return data
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        c = data[i]
        if c != 0x5C or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        nxt = data[i + 1]
        if nxt in b"uU" and i + 6 <= n and all(_is_hex(b) for b in data[i + 2:i + 6]):
            out.append(_wide(int(data[i + 2:i + 6], 16)))
            i += 6
        elif nxt in b"xX" and i + 4 <= n and _is_hex(data[i + 2]) and _is_hex(data[i + 3]):
            out.append(int(data[i + 2:i + 4], 16))
            i += 4
        elif nxt in _C_ESCAPES:
            out.append(_C_ESCAPES[nxt])
            i += 2
        elif 0x30 <= nxt <= 0x37:
            m = re.match(rb"[0-7]{1,3}", data[i + 1:i + 4])
            digits = m.group(0) if m else b"0"
            out.append(int(digits, 8) & 0xFF)
            i += 1 + len(digits)
        else:
            out.append(nxt)
            i += 2
    return bytes(out)


def normalize_path(data: bytes) -> bytes:
    """Runs of slashes become one; ``./`` self-references are removed; ``dir/../`` back-references are resolved (a
    ``..`` at the start of the input is kept, as the guide says)."""
    if not data:
        return data
    absolute = data.startswith(b"/")
    trailing = data.endswith(b"/") or data.endswith(b"/.") or data.endswith(b"/..")
    parts: list[bytes] = []
    for seg in data.split(b"/"):
        if seg in (b"", b"."):
            continue
        if seg == b".." and parts and parts[-1] != b"..":
            parts.pop()
            continue
        if seg == b".." and absolute:
            continue
        parts.append(seg)
    out = (b"/" if absolute else b"") + b"/".join(parts)
    if trailing and parts:
        out += b"/"
    return out or (b"/" if absolute else b"")


def normalize_path_win(data: bytes) -> bytes:
    """Backslashes become forward slashes, then NORMALIZE_PATH."""
    return normalize_path(data.replace(b"\\", b"/"))


def remove_nulls(data: bytes) -> bytes:
    return data.replace(b"\x00", b"")


def replace_nulls(data: bytes) -> bytes:
    return data.replace(b"\x00", b" ")


def utf8_to_unicode(data: bytes) -> bytes:
    """Each multi-byte UTF-8 sequence becomes %uHHHH (code points above FFFF keep their full hex); invalid bytes
    are kept."""
    text = data.decode("utf-8", errors="surrogateescape")
    out = bytearray()
    for ch in text:
        cp = ord(ch)
        if 0xDC80 <= cp <= 0xDCFF:
            out.append(cp - 0xDC00)
        elif cp < 0x80:
            out.append(cp)
        else:
            out += b"%%u%04x" % cp
    return bytes(out)


def remove_whitespace(data: bytes) -> bytes:
    return re.sub(rb"[ \t\n\r\f\v]", b"", data)


TRANSFORMS: dict[str, Callable[[bytes], bytes]] = {
    "NONE": lambda d: d,
    "COMPRESS_WHITE_SPACE": compress_white_space,
    "HTML_ENTITY_DECODE": html_entity_decode,
    "LOWERCASE": lowercase,
    "CMD_LINE": cmd_line,
    "URL_DECODE": url_decode,
    "BASE64_DECODE": base64_decode,
    "HEX_DECODE": hex_decode,
    "MD5": md5,
    "REPLACE_COMMENTS": replace_comments,
    "ESCAPE_SEQ_DECODE": escape_seq_decode,
    "SQL_HEX_DECODE": sql_hex_decode,
    "CSS_DECODE": css_decode,
    "JS_DECODE": js_decode,
    "NORMALIZE_PATH": normalize_path,
    "NORMALIZE_PATH_WIN": normalize_path_win,
    "REMOVE_NULLS": remove_nulls,
    "REPLACE_NULLS": replace_nulls,
    "BASE64_DECODE_EXT": base64_decode_ext,
    "URL_DECODE_UNI": lambda d: url_decode(d, unicode=True),
    "UTF8_TO_UNICODE": utf8_to_unicode,
    "REMOVE_WHITESPACE": remove_whitespace,
    "TRIM": lambda d: d.strip(b" \t\n\r\f\v"),
    "TRIM_LEFT": lambda d: d.lstrip(b" \t\n\r\f\v"),
    "TRIM_RIGHT": lambda d: d.rstrip(b" \t\n\r\f\v"),
    "UPPERCASE": uppercase,
    "REMOVE_COMMENTS_CHAR": remove_comments_char,
    "SHA256": sha256,
}
"""Every transformation parc applies, by API name. A name not here (CMD_LINE_WIN, CMD_LINE_UNIX, JS_DECODE_EXT, whose
rules the guide does not spell out) makes its statement not evaluated."""


def unknown(transforms: tuple[Transformation, ...]) -> list[str]:
    """The transformation types of a chain that parc cannot apply."""
    return [t.type for t in transforms if t.type not in TRANSFORMS]


def ordered(transforms: tuple[Transformation, ...]) -> tuple[Transformation, ...]:
    """The chain in AWS's order: lowest priority first."""
    return tuple(sorted(transforms, key=lambda t: t.priority))


def apply(transforms: tuple[Transformation, ...], data: bytes) -> bytes:
    """Apply a chain already in order (``ordered``) whose types are all known (``unknown`` is empty)."""
    for t in transforms:
        data = TRANSFORMS[t.type](data)
    return data
