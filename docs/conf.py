"""Sphinx configuration of the connectomics documentation."""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

project = "connectomics"
author = "The connectomics developers"
copyright = "2026, The connectomics developers"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.viewcode",
    "config_reference",
    "cli_reference",
    "dataset_reference",
    "plain_docstrings",
]

exclude_patterns = ["_build", "design/interfaces.md"]
root_doc = "index"
nitpicky = False

html_theme = "furo"
html_title = "connectomics"

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
# Lightning's own docstrings (inherited by overridden hooks) use another markup: keep ours only.
autodoc_inherit_docstrings = False
autodoc_default_options = {"members": True, "show-inheritance": True}

# Docstrings write code in single backticks (`name`): show those as code.
default_role = "literal"

# Runnable examples: every page's doctest/testcode blocks run on small generated data,
# single-threaded, in a scratch folder that is removed afterwards.
doctest_global_setup = f"""
import os as _os
import tempfile as _tempfile
from pathlib import Path

DOCS = Path({str(DOCS)!r})

import numpy as np
import torch

torch.set_num_threads(1)
torch.manual_seed(0)


_scratch = _tempfile.TemporaryDirectory(prefix="connectomics-doctest-")
_old_cwd = _os.getcwd()
_os.chdir(_scratch.name)
"""
doctest_global_cleanup = """
_os.chdir(_old_cwd)
_scratch.cleanup()
"""
