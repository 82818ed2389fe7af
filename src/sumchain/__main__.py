"""`python -m sumchain` is the `sumchain` command."""

import sys

from sumchain.cli import main

sys.exit(main())
