#!/usr/bin/env python3
"""Command line of the site generator; run `python build.py --help`."""

import sys

from gongkai.cli import main

if __name__ == "__main__":
    sys.exit(main())
