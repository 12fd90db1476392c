"""The `connectomics` command exists and answers quickly."""

import subprocess
import sys


def test_help_lists_commands():
    out = subprocess.run(
        [sys.executable, "-m", "connectomics.cli.main", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for cmd in [
        "train",
        "test",
        "predict",
        "decode",
        "evaluate",
        "download",
        "config",
        "info",
        "demo",
        "view",
    ]:
        assert cmd in out


def test_help_does_not_import_heavy_modules():
    code = (
        "import sys; from connectomics.cli.main import build_parser; build_parser();"
        "heavy=[m for m in ('torch','pytorch_lightning','monai','neuroglancer') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
