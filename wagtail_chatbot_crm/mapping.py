"""CRM field paths: the one rule that shapes JSON bodies.

A CRM field name is a path in JSON bodies. Dots step into objects and a
number steps into a list, so ``properties.email`` lands in
``{"properties": {"email": ...}}`` and ``data.0.Last_Name`` in
``{"data": [{"Last_Name": ...}]}``. Pure functions over plain data.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

Segment = str | int


class PathError(ValueError):
    """A CRM field path that cannot be used."""


def parse_path(path: str) -> tuple[Segment, ...]:
    """Split a dotted path into object keys (str) and list indexes (int)."""
    if not path or not path.strip():
        raise PathError(_("Enter a CRM field name."))
    if path != path.strip():
        raise PathError(_("Remove the spaces around the CRM field name."))
    segments: list[Segment] = []
    for part in path.split("."):
        if part == "":
            raise PathError(
                _("“%(path)s” has an empty part: check for doubled or trailing dots.")
                % {"path": path}
            )
        segments.append(int(part) if part.isascii() and part.isdigit() else part)
    if isinstance(segments[0], int):
        raise PathError(
            _("“%(path)s” must start with a field name, not a number.") % {"path": path}
        )
    return tuple(segments)


def format_path(segments: tuple[Segment, ...]) -> str:
    """The dotted spelling of parsed segments."""
    return ".".join(str(segment) for segment in segments)


@dataclass
class _Node:
    owner: int | None = None  # index of the path that ends here, if any
    children: dict[Segment, "_Node"] = field(default_factory=dict)


def find_conflicts(paths: list[str], *, nested: bool = True) -> dict[int, str]:
    """Map the index of each path that cannot be used to the reason.

    With ``nested`` (JSON bodies) two paths conflict when one ends where the
    other continues (``a`` and ``a.b``), when a level is used both as a list
    and as an object, or when a list skips an index. Without it (form bodies)
    names are literal and only exact repeats conflict.
    """
    errors: dict[int, str] = {}
    if not nested:
        seen: dict[str, int] = {}
        for index, path in enumerate(paths):
            if path in seen:
                errors[index] = _("“%(path)s” is already set by another row.") % {
                    "path": path
                }
            else:
                seen[path] = index
        return errors

    root = _Node()
    parsed: dict[int, tuple[Segment, ...]] = {}
    for index, path in enumerate(paths):
        try:
            segments = parse_path(path)
        except PathError as exc:
            errors[index] = str(exc)
            continue
        parsed[index] = segments
        error = _insert(root, segments, index)
        if error:
            errors[index] = error

    for index, message in _list_gaps(root, (), parsed).items():
        errors.setdefault(index, message)
    return errors


def _insert(root: _Node, segments: tuple[Segment, ...], index: int) -> str | None:
    node = root
    for depth, segment in enumerate(segments):
        if node.owner is not None:
            return _("“%(path)s” sets a single value, so nothing can go inside it.") % {
                "path": format_path(segments[:depth])
            }
        if node.children:
            holds_list = isinstance(next(iter(node.children)), int)
            if holds_list != isinstance(segment, int):
                return _(
                    "“%(path)s” is a list in one row and an object in another."
                ) % {"path": format_path(segments[:depth]) or "?"}
        node = node.children.setdefault(segment, _Node())
    path = format_path(segments)
    if node.owner is not None:
        return _("“%(path)s” is already set by another row.") % {"path": path}
    if node.children:
        return _(
            "Other rows put fields inside “%(path)s”, so it cannot also be a "
            "single value."
        ) % {"path": path}
    node.owner = index
    return None


def _list_gaps(
    node: _Node, prefix: tuple[Segment, ...], parsed: dict[int, tuple[Segment, ...]]
) -> dict[int, str]:
    errors: dict[int, str] = {}
    keys = list(node.children)
    if keys and isinstance(keys[0], int):
        for missing in sorted(set(range(max(keys) + 1)) - set(keys)):
            # Blame every row that reaches past the hole.
            for index, segments in parsed.items():
                depth = len(prefix)
                if (
                    segments[:depth] == prefix
                    and len(segments) > depth
                    and isinstance(segments[depth], int)
                    and segments[depth] > missing
                ):
                    errors.setdefault(
                        index,
                        _("“%(path)s” skips list item %(missing)s.")
                        % {"path": format_path(segments), "missing": missing},
                    )
    for key, child in node.children.items():
        for index, message in _list_gaps(child, (*prefix, key), parsed).items():
            errors.setdefault(index, message)
    return errors
