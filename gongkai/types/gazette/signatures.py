"""The office's ssh-keygen signatures for verify-gazette: reading the public key given
(a key line or a .pub file), and `ssh-keygen -Y verify` of one file against it. The
manifests and catalog.json are signed in the namespace gongkai-gazette.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from .targets import TIMEOUT, Unreadable

NAMESPACE = "gongkai-gazette"
PRINCIPAL = "gazette"
KEY_TYPES = ("ssh-", "ecdsa-", "sk-")


class Signatures:
    """ssh-keygen -Y verify against the one office key, through a temporary allowed_signers file."""

    def __init__(self, key: str):
        self.key = key
        self.tmp = Path(tempfile.mkdtemp(prefix="gongkai-verify-"))
        self.allowed = self.tmp / "allowed_signers"
        self.allowed.write_text(f'{PRINCIPAL} namespaces="{NAMESPACE}" {key}\n', encoding="utf-8")

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def check_key(self) -> None:
        """A key ssh-keygen cannot read would make every signature look forged."""
        keyfile = self.tmp / "key.pub"
        keyfile.write_text(self.key + "\n", encoding="utf-8")
        if self._run(["-l", "-f", str(keyfile)], b"") != 0:
            raise Unreadable(f"公钥无效，ssh-keygen 读不出：{self.key[:60]}…；应为一行 OpenSSH 公钥，如 ssh-ed25519 AAAA… 单位名称")

    def valid(self, signed: bytes, signature: bytes) -> bool:
        sig = self.tmp / "file.sig"
        sig.write_bytes(signature)
        return self._run(["-Y", "verify", "-f", str(self.allowed), "-I", PRINCIPAL, "-n", NAMESPACE, "-s", str(sig)],
                         signed) == 0

    @staticmethod
    def _run(args: list[str], stdin: bytes) -> int:
        try:
            done = subprocess.run(["ssh-keygen", *args], input=stdin, capture_output=True, timeout=TIMEOUT)
        except (OSError, subprocess.TimeoutExpired):
            return -1
        return done.returncode


def load_key(project: Path, public_key: str | None) -> str | None:
    """The office's public key: an OpenSSH key line, or the name of a file holding one."""
    if public_key is None or not public_key.strip():
        return None
    text = public_key.strip()
    if not text.startswith(KEY_TYPES):
        text = _key_from_file(project, text)
    if "\n" in text or "\r" in text:
        raise Unreadable("公钥应为一行 OpenSSH 公钥（ssh-ed25519 AAAA… 单位名称），不能分成多行")
    if shutil.which("ssh-keygen") is None:
        raise Unreadable("找不到 ssh-keygen 命令，无法核对签名。请安装 openssh-client 软件包"
                         "（Debian/Ubuntu：sudo apt-get install openssh-client）后重试")
    return text


def _key_from_file(project: Path, name: str) -> str:
    path = Path(name).expanduser()
    if not path.is_absolute() and not path.is_file() and (project / path).is_file():
        path = project / path
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError, ValueError):
        raise Unreadable(f"公钥 {name} 既不是一行 OpenSSH 公钥（ssh-ed25519 AAAA…），也不是可读的公钥文件（.pub）") from None
    if any("PRIVATE KEY" in line for line in lines):
        raise Unreadable(f"{name} 是私钥，核对签名只需要公钥：请改用 {name}.pub（私钥请妥善保管，不要交给他人）")
    keys = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if len(keys) != 1:
        raise Unreadable(f"公钥文件 {name} 中应恰好有一行公钥，实际有 {len(keys)} 行")
    return keys[0]

