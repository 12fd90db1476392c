"""The spec's command-line form: `python scripts/main.py --config CFG [--resume CKPT]`.

Behaves as `connectomics train` with the same arguments.
"""

import sys

from connectomics.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
