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


@dataclass(frozen=True)
class _Duplicate:
    path: Path_
    line: int
    first_line: int


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int], dups: list[_Duplicate]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        first: dict[tuple[str, str], int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != MERGE_TAG:
                ident = (key_node.tag, key)
                if ident in first:
                    dups.append(_Duplicate((*path, key), line, first[ident]))
                first.setdefault(ident, line)
            lines[(*path, key)] = line
            _walk(value_node, (*path, key), lines, dups)
            lines[(*path, key)] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines, dups)


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
    doc = YamlDocument(file=file, data=data)
    dups: list[_Duplicate] = []
    if node is not None:
        _walk(node, (), doc.lines, dups)
    if dups:
        raise ConfigInvalid(
            [
                ConfigIssue(
                    file,
                    d.line,
                    format_path(d.path),
                    f"duplicate key {d.path[-1]!r} (first on line {d.first_line})",
                )
                for d in dups
            ]
        )
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
