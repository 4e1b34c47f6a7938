"""Request routing over a deployed API: a trie of path segments.

A path matches resources segment by segment, preferring an exact segment, then a `{param}`
segment, then a greedy `{proxy+}` (one or more segments), backtracking when a branch leads
nowhere. The cost depends on the path's depth, not on how many resources the API has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote


@dataclass
class Node:
    children: dict[str, Node] = field(default_factory=dict)
    param: tuple[str, Node] | None = None  # {name} child
    greedy: tuple[str, str] | None = None  # {name+} child: (name, resource id)
    resource_id: str | None = None


@dataclass(frozen=True)
class Match:
    resource_id: str
    path_parameters: dict[str, str]


class Router:
    def __init__(self, resources: dict[str, dict]) -> None:
        self.root = Node()
        for resource_id, resource in resources.items():
            self._add(resource.get("path", "/"), resource_id)

    def _add(self, path: str, resource_id: str) -> None:
        node = self.root
        parts = [p for p in path.split("/") if p]
        for index, part in enumerate(parts):
            if part.startswith("{") and part.endswith("+}"):
                if index == len(parts) - 1:
                    node.greedy = (part[1:-2], resource_id)
                return
            if part.startswith("{") and part.endswith("}"):
                if node.param is None:
                    node.param = (part[1:-1], Node())
                node = node.param[1]
            else:
                node = node.children.setdefault(part, Node())
        node.resource_id = resource_id

    def match(self, path: str) -> Match | None:
        parts = [p for p in path.split("/") if p != ""]
        return self._walk(self.root, parts, 0, {})

    def _walk(self, node: Node, parts: list[str], index: int, params: dict[str, str]) -> Match | None:
        if index == len(parts):
            return Match(node.resource_id, params) if node.resource_id else None
        segment = parts[index]
        child = node.children.get(segment)
        if child is not None:
            found = self._walk(child, parts, index + 1, params)
            if found:
                return found
        if node.param is not None:
            name, child = node.param
            found = self._walk(child, parts, index + 1, {**params, name: unquote(segment)})
            if found:
                return found
        if node.greedy is not None:
            name, resource_id = node.greedy
            return Match(resource_id, {**params, name: unquote("/".join(parts[index:]))})
        return None
