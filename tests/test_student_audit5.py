"""What a student or teacher of backpropagation met using symgraph for the first time, and where it went wrong.

Each test is a use from a first session with the README and the notebooks (the textbook graph, softmax with
cross-entropy, small networks, shared parameters) that once showed something wrong or unreadable.
"""
from __future__ import annotations

import pytest

import symgraph as sg
from tests.browser import console_errors

WIDE_LINEAR = " + ".join(f"w{i}*x{i}" for i in range(30))  # 60 inputs: a Jacobian table of 60 columns


@pytest.mark.parametrize("text", [WIDE_LINEAR, "h = tanh(" + WIDE_LINEAR + "); L = (h - t)^2"])
def test_a_wide_jacobian_table_scrolls_in_its_panel_not_the_whole_page(browser, tmp_path, text):
    """Was: at the end of reverse mode on a function of 60 inputs (a 2-8-3 network has 59), the Jacobian table
    of one column per input made the whole page 4,000-5,000 pixels wide: the inputs, tabs and drawing scrolled
    sideways with it, and the table ran out of its panel."""
    browser.get(sg.explore(text).save(tmp_path / "page.html").as_uri())
    assert browser.execute_script("return document.body.dataset.ready") == "1"
    for mode in ("reverse", "forward"):
        browser.execute_script(f"symgraphExplorer.setMode('{mode}'); symgraphExplorer.go(symgraphExplorer.steps())")
        page, view, table, panel = browser.execute_script(
            "const r = e => e.getBoundingClientRect().right;"
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth,"
            " (document.getElementById('jacobian').scrollLeft = 100, document.getElementById('jacobian').scrollLeft > 0),"
            " r(document.querySelector('.panel')) >= r(document.getElementById('jacobian'))]")
        assert page <= view and table and panel, (mode, page, view, table, panel)
    assert console_errors(browser) == []
