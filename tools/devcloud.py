#!/usr/bin/env python3
"""``python3 tools/devcloud.py``: the devcloud's command line (devcloud/)."""

import sys

from devcloud.__main__ import main

sys.exit(main())
