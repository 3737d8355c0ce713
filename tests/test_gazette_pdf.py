"""The example gazette's print PDFs are generated, not kept as blobs: the script that
lays them out must give the committed files byte for byte."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


@pytest.mark.skipif(not FONT.is_file(), reason="needs fonts-wqy-microhei (python3 bootstrap.py --browser-tests)")
def test_example_pdfs_regenerate_byte_for_byte():
    result = subprocess.run([sys.executable, "scripts/make_gazette_pdf.py", "--check"], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("一致") == len(list((REPO / "content" / "gazettes").glob("*/*.pdf")))
