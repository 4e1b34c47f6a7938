"""Java regular expressions on Python's `re`: the syntax translated, Java's replacement strings,
Java's split, and an estimate of a pattern's backtracking cost.

Standard library only: this file is also the helper process that runs costly patterns
(`python -I javaregex.py --regex-worker`), which can be killed when it runs out of time."""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any

try:  # used to estimate how costly a regular expression can be; without it every pattern counts as costly
    from re import _constants as _sre_constants
    from re import _parser as _sre_parser
except ImportError:  # pragma: no cover - other Python versions
    _sre_constants = None
    _sre_parser = None


# --------------------------------------------------------------------------------------------------------------------
# Regular expressions (Java semantics, bounded in time)
# --------------------------------------------------------------------------------------------------------------------


class RegexError(Exception):
    pass


def translate(pattern: str) -> str:
    """Translate the Java-only syntax that Python's re lacks: \\Q..\\E, \\z, \\Z, (?<name>..), \\k<name>."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt == "Q":
                end = pattern.find("\\E", i + 2)
                out.append(re.escape(pattern[i + 2 :] if end == -1 else pattern[i + 2 : end]))
                i = n if end == -1 else end + 2
                continue
            if nxt == "z":
                out.append("\\Z")
            elif nxt == "Z":
                out.append("(?=\\n?\\Z)")
            elif nxt == "k" and pattern.startswith("<", i + 2) and pattern.find(">", i + 3) != -1:
                end = pattern.find(">", i + 3)
                out.append(f"(?P={pattern[i + 3 : end]})")
                i = end + 1
                continue
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if pattern.startswith("(?<", i) and i + 3 < n and pattern[i + 3] not in "=!":
            out.append("(?P<")
            i += 3
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def parse_replacement(replacement: str) -> list[list[str]]:
    """Java Matcher replacement: backslash quotes the next character, $n and ${name} are groups."""
    tokens: list[list[str]] = []
    literal: list[str] = []

    def flush() -> None:
        if literal:
            tokens.append(["t", "".join(literal)])
            literal.clear()

    i, n = 0, len(replacement)
    while i < n:
        ch = replacement[i]
        if ch == "\\":
            if i + 1 >= n:
                raise RegexError("Invalid replacement string: character to be escaped is missing")
            literal.append(replacement[i + 1])
            i += 2
        elif ch == "$":
            if i + 1 >= n:
                raise RegexError("Invalid replacement string: Illegal group reference: group index is missing")
            if replacement[i + 1] == "{":
                end = replacement.find("}", i + 2)
                name = replacement[i + 2 : end] if end != -1 else ""
                if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", name):
                    raise RegexError("Invalid replacement string: named capturing group is missing or invalid")
                flush()
                tokens.append(["n", name])
                i = end + 1
            elif "0" <= replacement[i + 1] <= "9":
                end = i + 1
                while end < n and "0" <= replacement[end] <= "9":
                    end += 1
                flush()
                tokens.append(["d", replacement[i + 1 : end]])
                i = end
            else:
                raise RegexError("Invalid replacement string: Illegal group reference")
        else:
            literal.append(ch)
            i += 1
    flush()
    return tokens


def expand_replacement(tokens: list[list[str]], match: re.Match[str], groups: int) -> str:
    parts = []
    for kind, value in tokens:
        if kind == "t":
            parts.append(value)
        elif kind == "d":
            ref = int(value[0])
            if ref > groups:
                raise RegexError(f"Invalid replacement string: No group {ref}")
            used = 1
            while used < len(value) and ref * 10 + int(value[used]) <= groups:
                ref = ref * 10 + int(value[used])
                used += 1
            parts.append(match.group(ref) or "")
            parts.append(value[used:])
        else:
            try:
                parts.append(match.group(value) or "")
            except IndexError:
                raise RegexError(f"Invalid replacement string: No group with name {{{value}}}") from None
    return "".join(parts)


def java_split(compiled: re.Pattern[str], subject: str, limit: int) -> list[str]:
    parts: list[str] = []
    index = 0
    for match in compiled.finditer(subject):
        if limit > 0 and len(parts) >= limit - 1:
            break
        if index == 0 and match.start() == 0 and match.end() == 0:
            continue  # Java 8+: no leading empty string for a zero-width match at the beginning
        parts.append(subject[index : match.start()])
        index = match.end()
    if index == 0:
        return [subject]
    parts.append(subject[index:])
    if limit == 0:
        while parts and parts[-1] == "":
            parts.pop()
    return parts


def apply(request: dict[str, Any]) -> Any:
    """Run one regular-expression operation (here or in the helper process)."""
    compiled = re.compile(request["pattern"])
    subject: str = request["subject"]
    op = request["op"]
    if op == "matches":
        return compiled.fullmatch(subject) is not None
    if op == "split":
        return java_split(compiled, subject, request["limit"])
    tokens = request["repl"]
    limit = max(request["max_chars"], len(subject))
    size = [len(subject)]

    def replace(match: re.Match[str]) -> str:
        text = expand_replacement(tokens, match, compiled.groups)
        size[0] += len(text) - (match.end() - match.start())
        if size[0] > limit:
            raise RegexError(f"Mapping template output exceeds the limit of {request['max_chars']} bytes")
        return text

    return compiled.sub(replace, subject, count=1 if op == "replaceFirst" else 0)


_INFINITE = math.inf


def _regex_weight(items: Any, in_variable: bool) -> float:
    """How many nested 'variable' repeats a pattern has: n ** (weight + 1) bounds the backtracking steps."""
    c = _sre_constants
    total: float = 0
    for op, av in items:
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, high, inner = av
            variable = high != low or low > 16
            if variable and in_variable:
                return _INFINITE
            weight = _regex_weight(inner, in_variable or variable)
            if weight == _INFINITE:
                return _INFINITE
            total += 1 if variable else weight * low
        elif op is c.BRANCH:
            if in_variable:
                return _INFINITE
            total += max((_regex_weight(alt, in_variable) for alt in av[1]), default=0)
        elif op is c.SUBPATTERN:
            total += _regex_weight(av[3], in_variable)
        elif op in (c.ASSERT, c.ASSERT_NOT):
            total += _regex_weight(av[1], in_variable)
        elif op is c.ATOMIC_GROUP:
            total += _regex_weight(av, in_variable)
        elif op in (c.GROUPREF, c.GROUPREF_EXISTS):
            return _INFINITE
        if total > 20:
            return _INFINITE
    return total


def cost(pattern: str, size: int) -> float:
    if _sre_parser is None or _sre_constants is None:
        return _INFINITE
    try:
        weight = _regex_weight(_sre_parser.parse(pattern), False)
    except Exception:
        return _INFINITE
    return _INFINITE if weight == _INFINITE else float(size + 1) ** (weight + 1)


def worker_main() -> None:
    for line in sys.stdin.buffer:
        try:
            response = {"ok": apply(json.loads(line))}
        except RegexError as exc:
            response = {"error": str(exc)}
        except Exception as exc:
            response = {"error": f"Regular expression failed: {type(exc).__name__}: {exc}"}
        sys.stdout.buffer.write(json.dumps(response).encode("utf-8") + b"\n")
        sys.stdout.buffer.flush()


if __name__ == "__main__" and sys.argv[1:] == ["--regex-worker"]:
    worker_main()
