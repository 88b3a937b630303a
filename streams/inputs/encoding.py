"""Bytes to text: UTF-8, or UTF-16/32 with a byte-order mark; anything else is refused naming what it looks like."""

from __future__ import annotations

import codecs

from streams.inputs.items import ArticleInputError

_BOMS = [  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"), (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
]


def _looks_like(raw: bytes) -> str | None:
    """The encoding charset-normalizer guesses for bytes that are not UTF-8 (None if it cannot tell)."""
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:65_536]).best()
    return best.encoding if best is not None else None


def decode(raw: bytes) -> str:
    """The text of `raw`; ArticleInputError saying which encoding was seen when it is not UTF-8 nor has a BOM."""
    for bom, codec, name in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom):].decode(codec)
            except UnicodeDecodeError as exc:
                raise ArticleInputError(f"starts with a {name} byte-order mark but is not valid {name} "
                                        f"({exc.reason} at byte {exc.start + len(bom)})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        seen = _looks_like(raw)
        if seen and seen.replace("_", "-").lower() not in ("utf-8", "ascii"):
            hint = f"it looks like {seen}; convert it first (iconv -f {seen} -t UTF-8) or save it as UTF-8"
        else:
            hint = "save it as UTF-8 (or UTF-16 with a byte-order mark)"
        raise ArticleInputError(f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}): {hint}") from None
