"""YAML with line numbers: load a config file and point each error at its file, line and field."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Path_ = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a configuration file."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field or '(file)'}: {self.message}"


class ConfigInvalid(Exception):
    """A configuration file with errors; it is refused whole and every issue is listed."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        super().__init__("\n".join(str(i) for i in issues))
        self.issues = issues


@dataclass
class YamlDocument:
    """Parsed YAML data plus the line of every key and item."""

    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None

    def issue(self, path: Path_, message: str) -> ConfigIssue:
        """An issue located at `path`."""
        return ConfigIssue(self.file, self.line_of(path), format_path(path), message)


def format_path(path: Path_) -> str:
    """``("sites", 3, "region")`` -> ``sites[3].region``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


MERGE_TAG = "tag:yaml.org,2002:merge"
# Nodes an alias may repeat in all: beyond, a few lines could expand to billions ("billion laughs").
MAX_ALIASED_NODES = 100_000


@dataclass
class _Walker:
    """Notes the line of every path and duplicate keys; refuses recursive or exploding aliases."""

    file: str
    lines: dict[Path_, int]
    issues: list[ConfigIssue] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)
    open: set[int] = field(default_factory=set)
    repeated: int = 0

    def walk(self, node: yaml.Node, path: Path_) -> None:
        """Walk `node`, found at `path`."""
        line = node.start_mark.line + 1
        self.lines[path] = line
        if id(node) in self.open:
            raise self._refuse(line, path, "an alias refers to a node that contains it")
        if id(node) in self.seen:
            self.repeated += 1
            if self.repeated > MAX_ALIASED_NODES:
                message = f"aliases repeat more than {MAX_ALIASED_NODES} nodes"
                raise self._refuse(line, path, message)
        self.seen.add(id(node))
        self.open.add(id(node))
        if isinstance(node, yaml.MappingNode):
            self._mapping(node, path)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.walk(item, (*path, index))
        self.open.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> None:
        first: dict[tuple[str, str], int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != MERGE_TAG:
                ident = (key_node.tag, key)
                if ident in first:
                    message = f"duplicate key {key!r} (first on line {first[ident]})"
                    self.issues.append(
                        ConfigIssue(self.file, line, format_path((*path, key)), message)
                    )
                first.setdefault(ident, line)
            self.lines[(*path, key)] = line
            self.walk(value_node, (*path, key))
            self.lines[(*path, key)] = line

    def _refuse(self, line: int, path: Path_, message: str) -> ConfigInvalid:
        return ConfigInvalid([ConfigIssue(self.file, line, format_path(path), message)])


def parse_yaml(text: str, file: str = "<string>") -> YamlDocument:
    """Parse YAML text; ConfigInvalid (with the line) on syntax errors and duplicate keys."""
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigInvalid([ConfigIssue(file, line, "", f"YAML syntax: {problem}")]) from None
    except RecursionError:
        raise ConfigInvalid([ConfigIssue(file, None, "", "YAML nested too deeply")]) from None
    doc = YamlDocument(file=file, data=data)
    if node is not None:
        walker = _Walker(file, doc.lines)
        walker.walk(node, ())
        if walker.issues:
            raise ConfigInvalid(walker.issues)
    return doc


def read_yaml(path: Path) -> YamlDocument:
    """Read and parse a YAML file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigInvalid([ConfigIssue(str(path), None, "", f"cannot read: {exc}")]) from None
    return parse_yaml(text, str(path))


def validate_model(doc: YamlDocument, model: type[M]) -> M:
    """Validate the document against a Pydantic model; errors become located ConfigIssues."""
    try:
        return model.model_validate(doc.data if doc.data is not None else {})
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            path = tuple(p for p in err["loc"] if isinstance(p, str | int))
            issues.append(doc.issue(path, err["msg"]))
        raise ConfigInvalid(issues) from None
