"""The report modules import one another in one direction: builders and writers meet in the
content module, and no import hides inside a function to get round a circle."""

import ast
from pathlib import Path

import analytics.reports

REPORTS = Path(analytics.reports.__file__).parent


def _report_imports(path: Path) -> tuple[set[str], list[str]]:
    """(report modules imported at the top, report modules imported inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top, nested = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("analytics.reports"):
            names = (
                [f"{node.module}.{a.name}" for a in node.names]
                if node.module == "analytics.reports"
                else [node.module]
            )
            modules = {n.removeprefix("analytics.reports.") for n in names}
            (top.update if node.col_offset == 0 else nested.extend)(modules)
    return top, nested


def test_report_modules_form_no_circle():
    graph = {}
    for path in REPORTS.glob("*.py"):
        top, nested = _report_imports(path)
        # the command's writer choice loads one writer on demand; nothing else is nested
        allowed = {"pdf", "docx", "xlsx", "document"} if path.stem == "commands" else set()
        assert set(nested) <= allowed, f"{path.name} imports {nested} inside a function"
        graph[path.stem] = top | set(nested)

    def visit(module, trail):
        assert module not in trail, " -> ".join([*trail, module])
        for other in graph.get(module, ()):
            visit(other, [*trail, module])

    for module in graph:
        visit(module, [])
    assert graph["content"] == set()  # the meeting point depends on no builder or writer
