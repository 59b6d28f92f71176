"""Every notebook runs top to bottom on the checked-out code (each within two minutes).

The notebooks call only the public API and assert their own claims (accuracies, differences to
finite differences, equal results across modes), so an error in any cell fails this test.
"""
import html
import os
import re

import nbclient
import nbformat
import pytest

from tests.helpers import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_all_seven_notebooks_are_present():
    assert [p.name[:3] for p in NOTEBOOKS] == ["01_", "02_", "03_", "04_", "05_", "06_", "07_"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, monkeypatch):
    # the kernel imports symgraph from this checkout, whatever is installed
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [output for cell in notebook.cells if cell.cell_type == "code"
              for output in cell.get("outputs", []) if output.get("output_type") == "error"]
    assert not errors


def _saved_explorer_pages(path) -> list[str]:
    """The explorer pages a notebook's saved outputs show (each an iframe's srcdoc, unescaped)."""
    notebook = nbformat.read(path, as_version=4)
    shown = [output["data"]["text/html"] for cell in notebook.cells if cell.cell_type == "code"
             for output in cell.get("outputs", []) if "text/html" in output.get("data", {})]
    # the srcdoc is quoted with ' (it was with " in pages saved before)
    return [html.unescape(found.group(2)) for text in shown
            if (found := re.search(r'<iframe srcdoc=(["\'])(.*?)\1 title="symgraph explorer"', text, re.S))]


@pytest.mark.parametrize("name", ["01_computational_graph", "02_forward_vs_reverse"])
def test_saved_explorer_pages_are_the_current_page(name):
    # A notebook read without running it (on a web page, or opened in Jupyter) shows the page saved with it:
    # pages saved before later fixes to the page's script kept the old page's faults (an input of 1e999 taken
    # as infinity, fill-in labels on nodes).  Re-execute the notebook and save it when the page changes.
    pages = _saved_explorer_pages(ROOT / "notebooks" / f"{name}.ipynb")
    assert pages, f"notebook {name} embeds no explorer page"
    script = (ROOT / "symgraph" / "export" / "explore.js").read_text(encoding="utf-8")
    style = (ROOT / "symgraph" / "export" / "explore.css").read_text(encoding="utf-8")
    stale = [k for k, page in enumerate(pages) if script not in page or style not in page]
    assert not stale, (f"notebook {name}: explorer page(s) {stale} were saved by an older page script or style; "
                       "re-execute the notebook and save its outputs")
