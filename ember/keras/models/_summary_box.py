"""The summary table's box, drawn without `rich` (ember's fallback where rich is missing).

It sizes columns as rich sizes Keras 3's table (each column its width plus one space of
padding either side; when the whole is wider than the line, the columns give up the
excess evenly) and uses the same box characters, so the plain text matches.

Example:
    >>> print("\\n".join(draw(["a", "b"], ["left", "right"], [6, 6], [["x", "1"]], 15)))
    ┏━━━━━━┳━━━━━━┓
    ┃ a    ┃    b ┃
    ┡━━━━━━╇━━━━━━┩
    │ x    │    1 │
    └──────┴──────┘
"""

from __future__ import annotations

import shutil


def _reduce(excess: int, widths: list) -> list:
    """Takes `excess` characters off `widths`, spread evenly (rich's last resort)."""
    out, remaining, parts = [], excess, len(widths)
    for w in widths:
        take = min(w, round(remaining / parts))
        out.append(w - take)
        remaining -= take
        parts -= 1
    return out


def _wrap(text: str, width: int, ellipsis: bool = False) -> list:
    """Word-wrapped lines; a word longer than `width` is folded (cells) or cut short with
    "…" (headers), as rich does."""
    width = max(width, 1)
    lines: list = []
    for para in text.split("\n"):
        if len(para) <= width:
            lines.append(para)
            continue
        line = ""
        for word in para.split(" "):
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = ""
            if ellipsis and len(word) > width:
                word = word[:width - 1] + "…"
            while len(word) > width:
                if line:
                    lines.append(line)
                    line = ""
                lines.append(word[:width])
                word = word[width:]
            line = f"{line} {word}" if line else word
        lines.append(line)
    return lines or [""]


def _justify(text: str, width: int, how: str) -> str:
    if how == "right":
        return text.rjust(width)
    if how == "center":
        left = (width - len(text)) // 2
        return (" " * left + text).ljust(width)
    return text.ljust(width)


def draw(header: list, justify: list, widths: list, rows: list, line_length: int) -> list:
    """The table's lines: header, rows separated by rules, the box around them.

    Example:
        >>> draw(["h"], ["left"], [5], [], 7)[1]
        '┃ h   ┃'
    """
    n = len(widths)
    cols = [w + 2 for w in widths]
    room = min(line_length, shutil.get_terminal_size().columns) - (n + 1)
    if sum(cols) > room:
        cols = _reduce(sum(cols) - room, cols)

    def rule(left: str, mid: str, right: str, fill: str) -> str:
        return left + mid.join(fill * c for c in cols) + right

    def cells(fields: list, edge: str) -> list:
        wrapped = [_wrap(str(f), c - 2, edge == "┃") for f, c in zip(fields, cols)]
        out = []
        for i in range(max(len(w) for w in wrapped)):
            parts = [" " + _justify(w[i] if i < len(w) else "", c - 2, j) + " "
                     for w, c, j in zip(wrapped, cols, justify)]
            out.append(edge + edge.join(parts) + edge)
        return out

    lines = [rule("┏", "┳", "┓", "━")] + cells(header, "┃")
    lines.append(rule("┡", "╇", "┩", "━"))
    for i, r in enumerate(rows):
        if i:
            lines.append(rule("├", "┼", "┤", "─"))
        lines.extend(cells(r, "│"))
    lines.append(rule("└", "┴", "┘", "─"))
    return lines
