"""`build.py serve`: rebuild on change and reload the browser (a full rebuild each time)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def serve(root: Path, output: Path, port: int, rebuild: Callable[[], int]) -> int:
    from livereload import Server

    rebuild()  # errors are printed; the last good site keeps being served
    server = Server()
    for watched in ("content", "layouts", "site_config.yaml"):
        server.watch(str(root / watched), rebuild, delay=0.3)
    print(f"本地预览：http://127.0.0.1:{port}/ （Ctrl+C 退出）")
    server.serve(root=str(output), host="127.0.0.1", port=port, open_url_delay=None, restart_delay=0)
    return 0
