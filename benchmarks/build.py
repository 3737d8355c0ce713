"""Build-speed benchmark: fabricate a site of N policy documents (with interpretations)
in a temporary folder, build it with the real command line, print the figures.

    python3 benchmarks/build.py 1000 5000

Figures, not pass/fail: targets are judged by people, on comparable machines.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KINDS = ["通知", "意见", "办法", "规定", "方案"]
TOPICS = ["综合政务", "财政、金融、审计", "城乡建设、环境保护", "科技、教育", "卫生、体育"]


def fabricate(root: Path, count: int) -> None:
    shutil.copytree(REPO / "layouts", root / "layouts")
    shutil.copy(REPO / "site_config.yaml", root / "site_config.yaml")
    policies, interpretations = root / "content/policies", root / "content/interpretations"
    policies.mkdir(parents=True)
    interpretations.mkdir(parents=True)
    paragraph = "为进一步做好政务公开工作，提升政府透明度，现就有关事项通知如下。" * 6
    for n in range(count):
        year, month, day = 2010 + n % 15, 1 + n % 12, 1 + n % 28
        body = "\n\n".join(f"## 第{i}部分\n\n{paragraph}" for i in range(1, 6))
        (policies / f"doc-{n}.md").write_text(
            f"---\ntitle: 示例文件第{n}号\ndoc_number: 示政发〔{year}〕{n}号\nindex_number: BENCH/{year}-{n:06d}\n"
            f"agency: 示例市人民政府\nwritten: {year}-{month:02d}-{day:02d}\npublished: {year}-{month:02d}-{day:02d}\n"
            f"topic: {TOPICS[n % 5]}\nkind: {KINDS[n % 5]}\n"
            + (f"status: 已废止\nstatus_date: {year}-12-31\nsuperseded_by: doc-{n + 1}\n" if n % 50 == 0 and n + 1 < count else "")
            + f"---\n\n{body}\n", encoding="utf-8")
        if n % 10 == 0:
            (interpretations / f"jd-{n}.md").write_text(
                f"---\ntitle: 《示例文件第{n}号》解读\ninterprets: doc-{n}\npublished: {year}-{month:02d}-{day:02d}\n"
                f"agency: 示例市人民政府办公室\nform: 文字\n---\n\n见[原文](doc:doc-{n})。{paragraph}\n", encoding="utf-8")


def main(counts: list[int]) -> None:
    print(f"{'documents':>10} {'build s':>8} {'pages/s':>8} {'output MB':>10}")
    for count in counts:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "site"
            fabricate(root, count)
            started = time.perf_counter()
            result = subprocess.run([sys.executable, str(REPO / "build.py"), "--root", str(root), "--build-date", "2026-11-25"],
                                    capture_output=True, text=True)
            elapsed = time.perf_counter() - started
            if result.returncode:
                sys.exit(result.stderr)
            size = sum(p.stat().st_size for p in (root / "output").rglob("*") if p.is_file()) / 1e6
            pages = sum(1 for _ in (root / "output").rglob("*.html"))
            print(f"{count:>10} {elapsed:>8.2f} {pages / elapsed:>8.0f} {size:>10.1f}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory of the largest build: {peak:.0f} MB")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [100, 1000])
