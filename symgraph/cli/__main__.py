"""``python -m symgraph.cli`` is the ``symgraph`` command, as ``python -m symgraph`` is."""
import sys

from . import main

sys.exit(main())
