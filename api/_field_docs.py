"""Field descriptions for the OpenAPI document, read from the records' own docstrings."""

from __future__ import annotations

import ast
import inspect
import textwrap


def field_docs(cls: type) -> dict[str, str]:
    """The attribute docstrings of a dataclass's own fields (pydantic reads them from the
    class it validates only, not from the record it derives from)."""
    try:
        source = inspect.getsource(cls)
    except OSError:  # installed without sources: the schema just has no descriptions
        return {}
    (node,) = ast.parse(textwrap.dedent(source)).body
    assert isinstance(node, ast.ClassDef)
    docs: dict[str, str] = {}
    for field, following in zip(node.body, node.body[1:], strict=False):
        if (
            isinstance(field, ast.AnnAssign)
            and isinstance(field.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[field.target.id] = inspect.cleandoc(following.value.value)
    return docs
