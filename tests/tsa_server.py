"""A real RFC 3161 TSA on loopback for tests: every answer is made by ``openssl ts -reply``.

``make_pki`` builds, with the ``openssl`` CLI in a temporary folder, a root CA, an intermediate CA and TSA
certificates: a good one (``extendedKeyUsage=critical,timeStamping``), one that expired in 2021, one issued by
another (untrusted) root, and one without the time-stamping EKU. :class:`TsaServer` is a small HTTP server on
127.0.0.1 (ephemeral port, in a thread) that answers each POSTed TimeStampReq with ``openssl ts -reply``, and can
be told to misbehave (:class:`Mode`), to sign with another certificate (:class:`Signer`), or to go offline.

``openssl ts -reply`` refuses to sign with a certificate that lacks the critical time-stamping EKU, so the
:attr:`Signer.NO_EKU` answer is made with openssl too, in three steps: a genuine token for the request, its
TSTInfo re-signed with ``openssl cms -sign`` by the EKU-less certificate, and ``openssl ts -reply -token_in``
to wrap that token in a granted TimeStampResp.

Tokens carry only the TSA's own certificate (no ``-chain``): ``openssl ts -reply -chain`` writes the CMS
certificate SET in insertion order, which DER forbids unless it happens to sort, and ``rfc3161-client`` refuses
such a token as unparseable (DigiCert's public TSA hits the same wall). So :meth:`TsaServer.config` lists the
intermediate CA in the ``TsaConfig``, as a school profile may.

Fixtures (registered from ``tests/conftest.py``):

- ``tsa_pki`` (session): the :class:`TsaPki`, made once.
- ``tsa`` (function): a fresh :class:`TsaServer` in ``Mode.GOOD`` with ``Signer.GOOD``; ``tsa.config()`` is the
  ``TsaConfig`` that trusts the test root; ``tsa.mode``, ``tsa.signer``, ``tsa.go_offline()``,
  ``tsa.go_online()`` and ``tsa.requests`` drive and observe it.
"""

from __future__ import annotations

import contextlib
import enum
import secrets
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from evidence.crypto.tsa import TsaConfig

SLOW_SECONDS = 5.0
"""How long ``Mode.SLOW`` waits before answering (tests use a client timeout well below it)."""

_TSA_CONF = """\
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = {serial}
crypto_device = builtin
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1.1
digests = {digests}
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""

_CA_CONF = """\
[ ca ]
default_ca = this_ca
[ this_ca ]
dir = {dir}
database = $dir/index.txt
serial = $dir/serial
new_certs_dir = $dir
default_md = sha256
policy = any_name
copy_extensions = none
unique_subject = no
[ any_name ]
commonName = supplied
[ v3_ca ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ tsa_cert ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ no_eku_cert ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


def _openssl(*args: str | Path, cwd: Path | None = None, stdin: bytes | None = None) -> bytes:
    result = subprocess.run(
        ["openssl", *map(str, args)], cwd=cwd, input=stdin, capture_output=True, check=False, timeout=60
    )
    if result.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {result.stderr.decode(errors='replace')}")
    return result.stdout


@dataclass(frozen=True)
class KeyPair:
    cert: Path
    key: Path


@dataclass(frozen=True)
class TsaPki:
    """Certificates made with openssl for one test session."""

    dir: Path
    root: KeyPair
    intermediate: KeyPair
    tsa: KeyPair
    expired: KeyPair
    rogue_root: KeyPair
    rogue_tsa: KeyPair
    no_eku: KeyPair

    @property
    def anchors_pem(self) -> bytes:
        """The trusted root, as a profile would list it."""
        return self.root.cert.read_bytes()

    @property
    def intermediate_pem(self) -> bytes:
        return self.intermediate.cert.read_bytes()

    @property
    def rogue_anchors_pem(self) -> bytes:
        return self.rogue_root.cert.read_bytes()


def _new_key(path: Path) -> None:
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path)


def _root(folder: Path, name: str, cn: str) -> KeyPair:
    pair = KeyPair(folder / f"{name}.pem", folder / f"{name}.key")
    _new_key(pair.key)
    _openssl(
        "req",
        "-x509",
        "-new",
        "-key",
        pair.key,
        "-out",
        pair.cert,
        "-days",
        "3650",
        "-subj",
        f"/CN={cn}",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    )
    return pair


def _issue(
    folder: Path,
    issuer: KeyPair,
    name: str,
    cn: str,
    extensions: str,
    *,
    start: str | None = None,
    end: str | None = None,
) -> KeyPair:
    """Issue a certificate with ``openssl ca`` (which alone can back-date one), signed by ``issuer``."""
    ca_dir = folder / f"ca-{issuer.cert.stem}"
    if not ca_dir.exists():
        ca_dir.mkdir()
        (ca_dir / "index.txt").write_bytes(b"")
        (ca_dir / "serial").write_text(secrets.token_hex(8) + "\n")
        (ca_dir / "ca.cnf").write_text(_CA_CONF.format(dir=ca_dir))
    pair = KeyPair(folder / f"{name}.pem", folder / f"{name}.key")
    _new_key(pair.key)
    csr = folder / f"{name}.csr"
    _openssl("req", "-new", "-key", pair.key, "-out", csr, "-subj", f"/CN={cn}")
    dates = ["-startdate", start, "-enddate", end] if start and end else ["-days", "3650"]
    _openssl(
        "ca",
        "-batch",
        "-notext",
        "-config",
        ca_dir / "ca.cnf",
        "-cert",
        issuer.cert,
        "-keyfile",
        issuer.key,
        "-in",
        csr,
        "-out",
        pair.cert,
        "-extensions",
        extensions,
        *dates,
    )
    return pair


def make_pki(folder: Path) -> TsaPki:
    """Build the test certificates in ``folder`` with the openssl CLI."""
    folder.mkdir(parents=True, exist_ok=True)
    root = _root(folder, "root", "Evidence Test Root CA")
    intermediate = _issue(folder, root, "intermediate", "Evidence Test TSA CA", "v3_ca")
    rogue_root = _root(folder, "rogue-root", "Rogue Root CA")
    return TsaPki(
        dir=folder,
        root=root,
        intermediate=intermediate,
        tsa=_issue(folder, intermediate, "tsa", "Evidence Test TSA", "tsa_cert"),
        expired=_issue(
            folder,
            intermediate,
            "expired",
            "Expired Test TSA",
            "tsa_cert",
            start="20200101000000Z",
            end="20210101000000Z",
        ),
        rogue_root=rogue_root,
        rogue_tsa=_issue(folder, rogue_root, "rogue-tsa", "Rogue TSA", "tsa_cert"),
        no_eku=_issue(folder, intermediate, "no-eku", "No EKU TSA", "no_eku_cert"),
    )


class Mode(enum.Enum):
    """How the server answers."""

    GOOD = "good"
    GARBAGE = "garbage"  # 200 with random bytes
    REJECT = "reject"  # a genuine openssl rejection (the configured digests exclude SHA-256)
    SLOW = "slow"  # waits SLOW_SECONDS, then answers well
    WRONG_IMPRINT = "wrong-imprint"  # a genuine token for another digest (and no nonce)
    REPLAY = "replay"  # the previous answer again (same digest: nonce mismatch; other digest: imprint mismatch)
    UNAVAILABLE = "unavailable"  # HTTP 503
    OVERSIZE = "oversize"  # 200 with 100 KiB
    REDIRECT = "redirect"  # 302 to a file: URL


class Signer(enum.Enum):
    """Which certificate signs the tokens."""

    GOOD = "good"
    EXPIRED = "expired"
    UNTRUSTED = "untrusted"
    NO_EKU = "no-eku"


class TsaServer:
    """A TSA on 127.0.0.1 that answers with ``openssl ts -reply``.

    Attributes:
        url: where to POST.
        mode: how the next requests are answered.
        signer: which certificate signs.
        requests: how many requests reached it.
    """

    def __init__(self, pki: TsaPki, work: Path) -> None:
        self.pki = pki
        self.work = work
        self.mode = Mode.GOOD
        self.signer = Signer.GOOD
        self.requests = 0
        self._last_answer: bytes | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        (work / "serial").write_text("01\n")
        (work / "good.cnf").write_text(_TSA_CONF.format(serial=work / "serial", digests="sha256, sha384, sha512"))
        (work / "reject.cnf").write_text(_TSA_CONF.format(serial=work / "serial", digests="sha512"))
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self._start()
        self.url = f"http://127.0.0.1:{self.port}/tsr"

    # -- lifecycle

    def _start(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(min(length, 65536))
                status, payload = server.answer(body)
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", "file:///etc/hostname")
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (slow mode)
                    self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        httpd.daemon_threads = True
        httpd.block_on_close = False
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), name="test-tsa", daemon=True)
        self._thread.start()

    def go_offline(self) -> None:
        """Close the listening socket: connections are refused until :meth:`go_online`."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def go_online(self) -> None:
        """Listen again on the same port."""
        if self._httpd is None:
            self._start()

    @property
    def online(self) -> bool:
        return self._httpd is not None

    def close(self) -> None:
        self._stop.set()
        self.go_offline()

    def config(self, name: str = "Test TSA", *, with_intermediate: bool = True) -> TsaConfig:
        """A TsaConfig that trusts the test root and lists the intermediate CA (the tokens carry only the leaf)."""
        return TsaConfig.create(
            self.url, name, self.pki.anchors_pem, self.pki.intermediate_pem if with_intermediate else b""
        )

    # -- answers

    def answer(self, query: bytes) -> tuple[int, bytes]:
        """The HTTP status and body the server sends for a DER TimeStampReq in the current mode and signer."""
        with self._lock:
            self.requests += 1
            mode, signer = self.mode, self.signer
        if mode is Mode.UNAVAILABLE:
            return 503, b"busy"
        if mode is Mode.GARBAGE:
            return 200, secrets.token_bytes(300)
        if mode is Mode.OVERSIZE:
            return 200, bytes(100 * 1024)
        if mode is Mode.REDIRECT:
            return 302, b""
        if mode is Mode.SLOW:
            self._stop.wait(SLOW_SECONDS)
        if mode is Mode.REPLAY and self._last_answer is not None:
            return 200, self._last_answer
        if mode is Mode.WRONG_IMPRINT:
            other = secrets.token_bytes(32).hex()
            query = self._run("ts", "-query", "-digest", other, "-sha256", "-cert", "-no_nonce")
        answer = self._reply(query, signer, reject=mode is Mode.REJECT)
        self._last_answer = answer
        return 200, answer

    def _run(self, *args: str | Path, stdin: bytes | None = None) -> bytes:
        with self._lock:  # openssl ts -reply updates the serial file
            return _openssl(*args, cwd=self.work, stdin=stdin)

    def _reply(self, query: bytes, signer: Signer, *, reject: bool) -> bytes:
        pair = {
            Signer.GOOD: self.pki.tsa,
            Signer.EXPIRED: self.pki.expired,
            Signer.UNTRUSTED: self.pki.rogue_tsa,
            Signer.NO_EKU: self.pki.tsa,  # re-signed below
        }[signer]
        with tempfile.TemporaryDirectory(dir=self.work) as tmp:
            folder = Path(tmp)
            (folder / "q.tsq").write_bytes(query)
            config = self.work / ("reject.cnf" if reject else "good.cnf")
            token_out = ["-token_out"] if signer is Signer.NO_EKU else []
            self._run(
                "ts",
                "-reply",
                "-config",
                config,
                "-queryfile",
                folder / "q.tsq",
                "-signer",
                pair.cert,
                "-inkey",
                pair.key,
                *token_out,
                "-out",
                folder / "r.der",
            )
            if signer is Signer.NO_EKU:
                self._run(
                    "cms",
                    "-verify",
                    "-noverify",
                    "-inform",
                    "DER",
                    "-in",
                    folder / "r.der",
                    "-out",
                    folder / "tstinfo.der",
                )
                self._run(
                    "cms",
                    "-sign",
                    "-binary",
                    "-nodetach",
                    "-nosmimecap",
                    "-econtent_type",
                    "id-smime-ct-TSTInfo",
                    "-in",
                    folder / "tstinfo.der",
                    "-signer",
                    self.pki.no_eku.cert,
                    "-inkey",
                    self.pki.no_eku.key,
                    "-md",
                    "sha256",
                    "-outform",
                    "DER",
                    "-out",
                    folder / "tok.der",
                )
                self._run("ts", "-reply", "-token_in", "-in", folder / "tok.der", "-out", folder / "r.der")
            return (folder / "r.der").read_bytes()


@pytest.fixture(scope="session")
def tsa_pki(tmp_path_factory: pytest.TempPathFactory) -> TsaPki:
    """Test certificates, made once per session with openssl."""
    return make_pki(tmp_path_factory.mktemp("tsa-pki"))


@pytest.fixture
def tsa(
    tsa_pki: TsaPki, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TsaServer]:
    """A TSA on loopback answering with ``openssl ts -reply``; see the module docstring."""
    monkeypatch.setenv("no_proxy", "127.0.0.1")  # a developer's http_proxy must not capture loopback requests
    server = TsaServer(tsa_pki, tmp_path_factory.mktemp("tsa-server"))
    try:
        yield server
    finally:
        server.close()


__all__ = ["SLOW_SECONDS", "Mode", "Signer", "TsaPki", "TsaServer", "make_pki", "tsa", "tsa_pki"]
