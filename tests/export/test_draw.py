"""Pictures: both engines produce real PNG and SVG images carrying the values and gradients."""
import io
import shutil
import sys
import xml.etree.ElementTree as ET

import pytest

import symgraph as sg
from symgraph.export.layout import layered_layout
from symgraph.export.label_values import node_adjoints

mpimg = pytest.importorskip("matplotlib.image")

SEED = "p = x + y; g = p * z"
AT = {"x": 1, "y": 3, "z": -3}
ENGINES = [
    "matplotlib",
    pytest.param("graphviz", marks=pytest.mark.skipif(shutil.which("dot") is None,
                                                      reason="Graphviz's dot is not installed")),
]


def read_png(data: bytes):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return mpimg.imread(io.BytesIO(data), format="png")


@pytest.mark.parametrize("engine", ENGINES)
def test_png_is_a_plausible_image(engine):
    image = read_png(sg.draw(SEED, at=AT, adjoints=True, engine=engine))
    height, width = image.shape[:2]
    assert 150 <= width <= 4000 and 80 <= height <= 3000 and width > height  # drawn left to right
    assert image.std() > 0.05  # not a blank canvas
    red = (image[..., 0] > 0.8) & (image[..., 1] < 0.3) & (image[..., 2] < 0.3)
    green = (image[..., 1] > 0.3) & (image[..., 0] < 0.2) & (image[..., 2] < 0.2)
    assert red.sum() > 50 and green.sum() > 50  # gradients in red, values in green


@pytest.mark.parametrize("engine", ENGINES)
def test_svg_is_xml_with_the_labels(engine):
    data = sg.draw(SEED, format="svg", at=AT, adjoints=True, engine=engine)
    root = ET.fromstring(data)
    assert root.tag.endswith("svg")
    texts = [t.strip() for t in "".join(root.itertext()).split("\n") if t.strip()]
    joined = " ".join(texts)
    for label in ("p: +", "g: *", "-12", "-3", "4"):
        assert label in joined, label
    assert "x" in texts and "z" in texts


@pytest.mark.parametrize("engine", ENGINES)
def test_writes_path_with_format_from_suffix(tmp_path, engine):
    png = sg.draw(SEED, at=AT, adjoints=True, path=tmp_path / "g.png", engine=engine)
    svg = sg.draw(SEED, path=str(tmp_path / "g.svg"), engine=engine)
    assert png == tmp_path / "g.png" and read_png(png.read_bytes()).shape[1] > 100
    assert ET.fromstring(svg.read_bytes()).tag.endswith("svg")


def test_auto_falls_back_to_matplotlib_without_dot(monkeypatch):
    draw_module = sys.modules["symgraph.export.draw"]  # the module; sg.draw is the function

    calls = []
    monkeypatch.setattr(draw_module.shutil, "which", lambda name: None)
    original = draw_module._render_matplotlib
    monkeypatch.setattr(draw_module, "_render_matplotlib",
                        lambda *a, **k: calls.append(1) or original(*a, **k))
    read_png(sg.draw(SEED, at=AT, adjoints=True))
    assert calls == [1]
    with pytest.raises(sg.RenderError, match="not installed"):
        sg.draw(SEED, engine="graphviz")


def test_values_from_evaluate_and_adjoints_true():
    g = sg.parse(SEED)
    values = g.evaluate(**AT)
    a = sg.draw(g, values=values, adjoints=True, format="svg", engine="matplotlib")
    b = sg.draw(g, at=AT, adjoints=node_adjoints(g, **AT), format="svg", engine="matplotlib")
    assert b"-12" in a and a.count(b">-3<") == b.count(b">-3<") > 0


def test_derivatives_true_symbolic_without_point():
    svg = sg.draw("c = a + b; d = b + 1; e = c * d", derivatives=True, format="svg", engine="matplotlib")
    assert "∂e/∂c = d".encode() in svg and "∂e/∂d = c".encode() in svg


def test_bad_requests_are_named_errors():
    with pytest.raises(sg.RenderError, match="format"):
        sg.draw(SEED, format="gif")
    with pytest.raises(sg.RenderError, match="format"):
        sg.draw(SEED, path="g.jpeg")
    with pytest.raises(sg.RenderError, match="engine"):
        sg.draw(SEED, engine="tikz")
    with pytest.raises(sg.GraphError, match="needs a point"):
        sg.draw(SEED, adjoints=True)
    with pytest.raises(sg.GraphError, match="missing"):
        sg.draw(SEED, at={"x": 1})


def test_node_adjoints_include_intermediates_and_shared_nodes():
    adjoints = node_adjoints("c = a + b; d = b + 1; e = c * d", a=2, b=1)
    assert adjoints == {"a": 2.0, "b": 5.0, "c": 2.0, "d": 3.0, "e": 1.0}


def test_layout_is_layered_left_to_right():
    g = sg.parse(SEED)
    pos, bends = layered_layout(g)
    assert pos["x"][0] == pos["y"][0] < pos["p"][0] < pos["g"][0]
    assert pos["z"][0] == pos["p"][0]  # an input sits beside its first use
    assert pos["x"][1] > pos["y"][1]


def test_deep_graph_is_refused_with_what_to_do_instead():
    g = sg.parse("v1 = sin(x)\n" + "\n".join(f"v{i} = sin(v{i - 1})" for i in range(2, 301)))
    with pytest.raises(sg.RenderError, match=r"301-node graph would be \d+ x \d+ inches.*to_dot/to_mermaid"):
        sg.draw(g, engine="matplotlib", dpi=20)


def test_graph_repr_svg_for_jupyter(monkeypatch):
    svg = sg.parse(SEED)._repr_svg_()
    assert svg is not None and "<svg" in svg and "p: +" in svg
    draw_module = sys.modules["symgraph.export.draw"]  # the module; sg.draw is the function

    def broken(*args, **kwargs):
        raise sg.RenderError("no renderer")

    monkeypatch.setattr(draw_module, "draw", broken)
    assert sg.parse(SEED)._repr_svg_() is None


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_picture_text_form_is_one_short_line(fmt):
    # a notebook keeps text/plain beside the image: it was the bytes' repr, tens of kilobytes of escapes
    picture = sg.draw(SEED, format=fmt, engine="matplotlib")
    assert repr(picture) == str(picture) == f"<Picture: {fmt.upper()}, {len(picture):,} bytes>"
    assert (picture._repr_png_() is None) == (fmt == "svg")


def test_png_sides_stay_within_max_pixels():
    draw_module = sys.modules["symgraph.export.draw"]
    network = ("h1 = sigmoid(w11*x1 + w12*x2 + b1); h2 = sigmoid(w21*x1 + w22*x2 + b2); "
               "h3 = tanh(w31*x1 + w32*x2 + b3); y = u1*h1 + u2*h2 + u3*h3 + c")
    image = read_png(sg.draw(network, values={}, engine="matplotlib", dpi=600))
    assert draw_module.MAX_PIXELS // 2 < max(image.shape[:2]) <= draw_module.MAX_PIXELS


@pytest.mark.parametrize("text", ["x", SEED, "a + b + c + d"])
@pytest.mark.parametrize("dpi", [5000, 10**6])
def test_graphviz_png_sides_stay_within_max_pixels_at_a_high_dpi(text, dpi):
    """Was: Graphviz's scaling to a -Gsize under an inch overshot (dpi=5000: 4,028 pixels wide) or was
    ignored (dpi=10**6: 32,767 pixels a side, after 15 s); the dpi is lowered instead, as matplotlib's is."""
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    draw_module = sys.modules["symgraph.export.draw"]
    data = sg.draw(text, engine="graphviz", dpi=dpi)
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")  # the PNG's IHDR
    assert draw_module.MAX_PIXELS * 0.9 < max(width, height) <= draw_module.MAX_PIXELS


def test_local_derivatives_are_drawn_blue_not_red():
    image = read_png(sg.draw("c = a + b; d = b + 1; e = c * d", derivatives=True, engine="matplotlib"))
    blue = (image[..., 2] > 0.6) & (image[..., 0] < 0.2) & (image[..., 1] < 0.2)
    red = (image[..., 0] > 0.8) & (image[..., 1] < 0.3) & (image[..., 2] < 0.3)
    assert blue.sum() > 200 and red.sum() == 0  # no adjoints asked: nothing red


def test_format_must_agree_with_the_path_suffix(tmp_path):
    """draw(path="g.png", format="svg") wrote an SVG into g.png without a word (the command line refuses
    -o g.png --format svg); a known suffix must agree, and a name without one takes the format given."""
    with pytest.raises(sg.RenderError, match=r"format='svg' disagrees with path=.*g\.png.*a \.png file holds png"):
        sg.draw(SEED, path=tmp_path / "g.png", format="svg", engine="matplotlib")
    assert not (tmp_path / "g.png").exists()
    assert sg.draw(SEED, path=tmp_path / "g.PNG", format="png", engine="matplotlib").read_bytes()[:4] == b"\x89PNG"
    assert b"<svg" in sg.draw(SEED, path=tmp_path / "picture", format="svg", engine="matplotlib").read_bytes()
