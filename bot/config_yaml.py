"""YAML to plain data, each value with its line, refusing what would hang or crash.

PyYAML composes the file into nodes (every node knows its line), then :func:`compose`
turns them into plain data and notes each path's line for the config's error
messages. A YAML alias inside the value it names (a loop) is refused while composing,
at the alias's line; aliases that expand past :data:`MAX_VALUES` values (an "alias
bomb", billions from a few lines: only the values an alias repeats count, so a long
file written out, 20,000 people say, is never refused for its size), nesting past
:data:`MAX_DEPTH` levels and a value
PyYAML cannot read are refused while expanding. Each refusal is a
:class:`YamlProblem` with the line.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml._yaml import CParser

__all__ = ["MAX_DEPTH", "MAX_VALUES", "PathKey", "YamlProblem", "compose", "where"]

PathKey = tuple[str | int, ...]
MAX_VALUES = 50_000  # values repeated through aliases (the file's own values are free)
MAX_DEPTH = 40


class YamlProblem(Exception):
    """The file cannot be read as a config: ``message`` says why, at ``line``."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


def compose(text: str) -> tuple[Any, dict[PathKey, int]]:
    """The file's data, and the line of each path in it (``("schools", 0, "slug")``)."""
    composer = _Composer(text)
    try:
        node = composer.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlProblem(mark.line + 1 if mark is not None else 1,
                          f"not valid YAML: {problem}") from None
    except RecursionError:
        raise YamlProblem(1, "not valid YAML: nested too deeply") from None
    finally:
        composer.dispose()
    if node is None:
        raise YamlProblem(1, "the file is empty; it needs a 'schools:' list")
    lines: dict[PathKey, int] = {}
    return _Expansion(composer.alias_lines).data(node, (), lines), lines


def where(at: PathKey) -> str:
    """A path as the config's messages write it: ``schools[0].people[2].role``."""
    out = ""
    for part in at:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(top level)"


class _Composer(yaml.composer.Composer, CParser, yaml.constructor.SafeConstructor,
                yaml.resolver.Resolver):
    """PyYAML's composer on libyaml's parser (the C one PyYAML's wheels ship: a config of
    5,000 people is read in a tenth of the time), refusing an alias inside the value it
    names (a loop), and noting where aliases are so that an expansion that explodes can
    say where."""

    def __init__(self, text: str) -> None:
        CParser.__init__(self, text)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        yaml.composer.Composer.__init__(self)
        self.alias_lines: list[int] = []
        self._open: set[str] = set()

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event: Any = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            mark: Any = event.start_mark
            if event.anchor in self._open:
                raise yaml.composer.ComposerError(
                    None, None, f"the alias *{event.anchor} is inside the value it names "
                    f"(&{event.anchor}): a loop", mark)
            self.alias_lines.append(mark.line + 1)
            return super().compose_node(parent, index)
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self._open.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            if anchor is not None:
                self._open.discard(anchor)


class _Expansion:
    """Nodes to plain data, with each value's line, within :data:`MAX_VALUES` values
    repeated through aliases and :data:`MAX_DEPTH` levels (a YAML alias "bomb" expands to
    billions). A node met again was reached through an alias: only those count."""

    def __init__(self, alias_lines: list[int]) -> None:
        self.alias_lines = alias_lines
        self.count = 0
        self.seen: set[int] = set()

    def data(self, node: yaml.Node, at: PathKey, lines: dict[PathKey, int]) -> Any:
        self._count(node, at)
        lines[at] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = str(key_node.value)
                result[key] = self.data(value_node, (*at, key), lines)
                lines[(*at, key)] = key_node.start_mark.line + 1
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.data(item, (*at, i), lines) for i, item in enumerate(node.value)]
        try:  # a scalar: let PyYAML resolve ints, dates, bools as usual
            return yaml.SafeLoader("").construct_object(node, deep=True)
        except (ValueError, yaml.YAMLError) as exc:
            raise YamlProblem(node.start_mark.line + 1,
                              f"{where(at)}: not a valid value ({exc})") from None

    def _count(self, node: yaml.Node, at: PathKey) -> None:
        if id(node) not in self.seen:
            self.seen.add(id(node))
        else:
            self.count += 1
        if self.count > MAX_VALUES:
            line = self.alias_lines[0] if self.alias_lines else node.start_mark.line + 1
            why = " through YAML aliases (*name)" if self.alias_lines else ""
            raise YamlProblem(line, f"the file expands to more than {MAX_VALUES:,} values{why}; "
                          "write the values out instead")
        if len(at) > MAX_DEPTH:
            raise YamlProblem(node.start_mark.line + 1,
                          f"{where(at[:3])}…: nested more than {MAX_DEPTH} levels deep")
