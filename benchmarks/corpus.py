"""A generated corpus of Chinese government documents, the same for every run of a
given size: the search tests' judgments, the bytes budget and the benchmarks use it.

Text is random sequences of words cut from the example portal's own documents (real
Chinese of the domain, so n-gram statistics look like a portal's), with known phrases
planted at known rates, so a test knows which documents hold what. Titles, 文号 (some
机关代字 differ by one character: 聊政办发 / 聊政办字), agencies, 文种 and dates vary.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AGENCIES = (
    ("聊城市人民政府办公室", "聊政办发"), ("聊城市人民政府办公室", "聊政办字"), ("聊城市人民政府", "聊政发"),
    ("聊城市人民政府", "聊政字"), ("聊城市财政局", "聊财预"), ("聊城市医疗保障局", "聊医保发"),
    ("聊城市司法局", "聊司发"), ("聊城市大数据局", "聊数发"), ("聊城市教育局", "聊教发"),
    ("聊城市民政局", "聊民发"), ("聊城市人力资源和社会保障局", "聊人社发"), ("聊城市住房和城乡建设局", "聊建发"),
)
KINDS = ("通知", "意见", "办法", "规定", "方案", "决定", "通告")
TOPICS = ("综合政务", "财政、金融、审计", "城乡建设、环境保护", "科技、教育", "卫生、体育", "劳动、人事、监察", "民政、扶贫、救灾")
SUBJECTS = ("政务公开工作要点", "最低生活保障对象认定", "居家养老服务补贴", "城镇老旧小区改造", "医疗保障经办服务",
            "住房公积金缴存管理", "社会保险费征缴", "政府信息公开申请办理", "财政预算绩效管理", "营商环境优化提升",
            "农村人居环境整治", "义务教育学校招生", "公共资源交易监督管理", "行政规范性文件备案审查", "安全生产专项整治")
# Planted phrases: (text, share of documents whose body holds it).
PLANTED = (
    ("人民法院", 0.035), ("工作人员", 0.05), ("财政预算", 0.04), ("信用“红黑名单”", 0.01),
    ("最低生活保障", 0.02), ("低保", 0.01), ("住房公积金", 0.02), ("政府信息公开", 0.06),
    ("Wi-Fi 6", 0.005), ("5G基站", 0.01), ("GB/T 37668—2019", 0.004), ("𠮷祥", 0.002),
)


@dataclass(frozen=True)
class Doc:
    id: str
    title: str
    number: str
    agency: str
    kind: str
    topic: str
    published: str  # ISO
    body: str  # Markdown paragraphs
    status: str  # 有效 / 已废止


@cache
def vocabulary() -> tuple[str, ...]:
    """Words of two to four characters cut from the example's documents."""
    text = "".join(p.read_text(encoding="utf-8") for p in sorted((REPO / "content").rglob("*.md")))
    runs = re.findall(r"[\u4e00-\u9fff]{2,}", text)
    rng = random.Random(7)
    words = set()
    for run in runs:
        i = 0
        while i + 2 <= len(run):
            size = rng.choice((2, 2, 2, 3, 4))
            words.add(run[i:i + size])
            i += size
    return tuple(sorted(w for w in words if len(w) >= 2))


def _sentence(rng: random.Random, words: tuple[str, ...]) -> str:
    return "".join(rng.choice(words) for _ in range(rng.randint(6, 14))) + rng.choice("，。。；")


def documents(count: int, seed: int = 1) -> list[Doc]:
    rng = random.Random(seed)
    words = vocabulary()
    docs = []
    serials: dict[tuple[str, int], int] = {}
    for n in range(count):
        agency, code = AGENCIES[rng.randrange(len(AGENCIES))]
        year = 2005 + rng.randrange(21)
        serial = serials[(code, year)] = serials.get((code, year), 0) + 1
        kind = rng.choice(KINDS)
        subject = rng.choice(SUBJECTS)
        title = f"{agency}关于{rng.choice(words)}{subject}的{kind}"
        paragraphs = ["".join(_sentence(rng, words) for _ in range(rng.randint(3, 7))) for _ in range(rng.randint(4, 14))]
        for phrase, share in PLANTED:
            if rng.random() < share:
                k = rng.randrange(len(paragraphs))
                cut = rng.randrange(len(paragraphs[k]) + 1)
                paragraphs[k] = paragraphs[k][:cut] + phrase + paragraphs[k][cut:]
        if n and rng.random() < 0.05:  # cites an earlier document
            cited = docs[rng.randrange(len(docs))]
            paragraphs[0] = f"根据《{cited.title}》（{cited.number}）精神，" + paragraphs[0]
        month, day = 1 + rng.randrange(12), 1 + rng.randrange(28)
        docs.append(Doc(f"doc-{n}", title, f"{code}〔{year}〕{serial}号", agency, kind, rng.choice(TOPICS),
                        f"{year}-{month:02d}-{day:02d}", "\n\n".join(paragraphs), "已废止" if rng.random() < 0.04 else "有效"))
    return docs


def write_site(root: Path, docs: list[Doc]) -> None:
    """A project with the example's layouts and configuration and docs as policies."""
    import shutil

    shutil.copytree(REPO / "layouts", root / "layouts")
    shutil.copy(REPO / "site_config.yaml", root / "site_config.yaml")
    folder = root / "content" / "policies"
    folder.mkdir(parents=True)
    for doc in docs:
        status = f"status: {doc.status}\nstatus_date: {doc.published}\n" if doc.status != "有效" else ""
        (folder / f"{doc.id}.md").write_text(
            f"---\ntitle: {doc.title}\ndoc_number: {doc.number}\nindex_number: GEN/{doc.id}\nagency: {doc.agency}\n"
            f"written: {doc.published}\npublished: {doc.published}\ntopic: {doc.topic}\nkind: {doc.kind}\n{status}"
            f"---\n\n{doc.body}\n", encoding="utf-8")
