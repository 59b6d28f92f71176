"""What a class writing its own functions meets: results named so that no name means two things."""
import symgraph as sg
from symgraph.cli import main


def test_an_unnamed_output_is_not_named_after_a_function_the_text_defined(capsys):
    # f(u) = u^2; f(y)^2 printed "df/dy = 4*y**3": f is the text's own u^2, whose derivative is 2*y.
    text = "f(u) = u^2; f(y)^2"
    assert sg.grad(text).latex().startswith(r"\frac{\partial g}{\partial y}")
    assert main(["grad", text, "--at", "y=3"]) == 0
    assert capsys.readouterr().out.startswith("dg/dy = 4*y**3")
    assert sg.grad("y^2").latex().startswith(r"\frac{\partial f}{\partial y}")  # f when the text defines none
