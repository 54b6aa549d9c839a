"""YAML with line numbers: each value's line by its path, from PyYAML's node tree (pure).

``parse`` composes the document once and constructs the data from the same nodes, so every path that
pydantic or a check reports can be turned into the line a person edits. YAML syntax errors are one
line, ``file:line: invalid YAML: ... (column n)``, never PyYAML's ``in "<unicode string>"``; duplicate
keys, which YAML silently resolves to the last one, are reported too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from aiops.lint.problems import Problem

Path = tuple[str | int, ...]


@dataclass
class Source:
    """A parsed YAML file: its data and where each value and key is."""

    file: str
    data: Any
    values: dict[Path, int] = field(default_factory=dict)
    keys: dict[Path, int] = field(default_factory=dict)
    duplicates: list[Problem] = field(default_factory=list)

    def line(self, path: Path, *, key: bool = False) -> int | None:
        """The line of ``path`` (its key's line with ``key``), else of its nearest known parent."""
        for n in range(len(path), -1, -1):
            found = (self.keys if key and n == len(path) else self.values).get(path[:n])
            if found is not None:
                return found
        return None


class SourceError(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(problem.text())


def parse(text: str, file: str) -> Source:
    """The YAML document in ``text``; SourceError (one problem with its line) when it is not YAML.
    Read by libyaml's parser when PyYAML has it (every replay and demo lints the runbooks and playbooks
    before it starts); a document it refuses is read again by the pure-Python parser, whose message
    is the one reported."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return _parse(fast(text), file)
        except SourceError:
            pass
    return _parse(yaml.SafeLoader(text), file)


def _parse(loader: Any, file: str) -> Source:
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "not YAML"
        column = f" (column {mark.column + 1})" if mark is not None else ""
        raise SourceError(
            Problem(file, mark.line + 1 if mark else None, "", f"invalid YAML: {what}{column}")
        ) from None
    except yaml.YAMLError as exc:
        raise SourceError(Problem(file, None, "", f"invalid YAML: {exc}")) from None
    finally:
        loader.dispose()
    source = Source(file, data)
    if node is not None:
        source.values[()] = node.start_mark.line + 1
        _walk(node, (), source)
    return source


def _walk(node: yaml.Node, path: Path, source: Source) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key: str | int = key_node.value
            if key_node.tag == "tag:yaml.org,2002:int" and str(key).lstrip("-").isdigit():
                key = int(str(key))
            line = key_node.start_mark.line + 1
            if str(key) in seen:
                source.duplicates.append(
                    Problem(
                        source.file,
                        line,
                        _dotted(path),
                        f"duplicate key {str(key)!r} (also on line {seen[str(key)]}): "
                        "YAML keeps the last one",
                    )
                )
            seen[str(key)] = line
            child = (*path, key)
            source.keys[child] = line
            source.values[child] = value_node.start_mark.line + 1
            _walk(value_node, child, source)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            child = (*path, i)
            source.values[child] = item.start_mark.line + 1
            _walk(item, child, source)


def _dotted(path: Path) -> str:
    return ".".join(str(p) for p in path)
