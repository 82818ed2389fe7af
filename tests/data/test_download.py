"""Download, hash check, cache and resume, against a local HTTP server on 127.0.0.1 (no network)."""

from __future__ import annotations

import hashlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from sumchain.cli import main
from sumchain.data import imdb, load_dataset
from sumchain.data.download import cache_dir, fetch, part_path
from sumchain.errors import DataError


def write_npz(path: Path, n: int = 40, seed: int = 0) -> Path:
    """A small file in Keras' imdb.npz format: object arrays of int lists, 0/1 labels."""
    rng = np.random.default_rng(seed)

    def reviews():
        out = np.empty(n, dtype=object)
        for i in range(n):
            out[i] = rng.integers(1, 60, rng.integers(1, 30)).tolist()
        return out

    np.savez(path, x_train=reviews(), y_train=rng.integers(0, 2, n), x_test=reviews(), y_test=rng.integers(0, 2, n))
    return path


class Handler(BaseHTTPRequestHandler):
    """Serves `server.payload`; `server.mode` is full | ignore_range | cut (closes half way)."""

    def do_GET(self):
        server = self.server
        server.hits.append(self.headers.get("Range"))
        payload, start = server.payload, 0
        ranged = self.headers.get("Range")
        if ranged and server.mode != "ignore_range":
            start = int(ranged.split("=")[1].rstrip("-"))
            if start >= len(payload):
                self.send_response(416)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(payload) - 1}/{len(payload)}")
        else:
            self.send_response(200)
        body = payload[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:len(body) // 2] if server.mode == "cut" else body)

    def log_message(self, *args):
        pass


@pytest.fixture
def npz_bytes(tmp_path) -> bytes:
    return write_npz(tmp_path / "source.npz").read_bytes()


@pytest.fixture
def server(npz_bytes, monkeypatch, tmp_path):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.payload, httpd.mode, httpd.hits = npz_bytes, "full", []
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/imdb.npz"
    monkeypatch.setenv("SUMCHAIN_IMDB_URL", url)
    monkeypatch.setenv("SUMCHAIN_IMDB_SHA256", hashlib.sha256(npz_bytes).hexdigest())
    monkeypatch.setenv("SUMCHAIN_DATA_DIR", str(tmp_path / "cache"))
    httpd.url = url
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/imdb.npz"


IMDB = {"dataset": "imdb", "num_words": 20}


def test_cache_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv("SUMCHAIN_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "sumchain"
    monkeypatch.setenv("SUMCHAIN_DATA_DIR", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("SUMCHAIN_DATA_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == Path.home() / ".cache" / "sumchain"


def test_real_source_unless_overridden(monkeypatch):
    monkeypatch.delenv("SUMCHAIN_IMDB_URL", raising=False)
    monkeypatch.setenv("SUMCHAIN_IMDB_SHA256", "0" * 64)  # ignored without a URL override
    assert imdb.source() == (imdb.IMDB_URL, imdb.IMDB_SHA256)


def test_download_then_cache_hit(server, npz_bytes):
    first = load_dataset(IMDB)
    assert imdb.cached_path().read_bytes() == npz_bytes
    assert not part_path(imdb.cached_path()).exists()
    second = load_dataset({**IMDB, "num_words": 30})
    assert server.hits == [None]  # one request, no Range
    assert first.X_train.shape == (40, 20) and second.X_train.shape == (40, 30)


def test_resume_after_interrupted_download(server, npz_bytes):
    server.mode = "cut"
    with pytest.raises(DataError, match="could not fetch"):
        load_dataset(IMDB)
    part = part_path(imdb.cached_path())
    assert 0 < part.stat().st_size < len(npz_bytes) and not imdb.cached_path().exists()
    server.mode = "full"
    load_dataset(IMDB)
    assert server.hits == [None, f"bytes={len(npz_bytes) // 2}-"]
    assert imdb.cached_path().read_bytes() == npz_bytes and not part.exists()


def test_server_ignoring_range_restarts(server, npz_bytes):
    part = part_path(imdb.cached_path())
    part.parent.mkdir(parents=True)
    part.write_bytes(b"garbage that is not the file's start")
    server.mode = "ignore_range"
    load_dataset(IMDB)
    assert imdb.cached_path().read_bytes() == npz_bytes


def test_complete_part_is_used_on_416(server, npz_bytes):
    part = part_path(imdb.cached_path())
    part.parent.mkdir(parents=True)
    part.write_bytes(npz_bytes)
    load_dataset(IMDB)
    assert server.hits == [f"bytes={len(npz_bytes)}-"]
    assert imdb.cached_path().read_bytes() == npz_bytes


def test_corrupt_download_is_removed_and_reported(server, npz_bytes):
    server.payload = npz_bytes[:-10]  # truncated file, served completely
    with pytest.raises(DataError, match=r"SHA-256 [0-9a-f]{64}, expected [0-9a-f]{64}; removed"):
        load_dataset(IMDB)
    assert not imdb.cached_path().exists() and not part_path(imdb.cached_path()).exists()


def test_failed_download_never_replaces_good_file(server, npz_bytes, tmp_path):
    dest = tmp_path / "good" / "imdb.npz"
    dest.parent.mkdir()
    dest.write_bytes(npz_bytes)
    server.mode = "cut"
    with pytest.raises(DataError):
        fetch(server.url, dest, hashlib.sha256(npz_bytes).hexdigest())
    server.payload = b"x" * len(npz_bytes)
    server.mode = "full"
    part_path(dest).unlink()
    with pytest.raises(DataError, match="SHA-256"):
        fetch(server.url, dest, hashlib.sha256(npz_bytes).hexdigest())
    assert dest.read_bytes() == npz_bytes


def test_corrupt_cache_is_removed_and_fetched_again(server, npz_bytes, capsys):
    cached = imdb.cached_path()
    cached.parent.mkdir(parents=True)
    cached.write_bytes(npz_bytes[:100])
    load_dataset(IMDB)
    assert "removed corrupt cached" in capsys.readouterr().err
    assert cached.read_bytes() == npz_bytes and len(server.hits) == 1


def test_corrupt_cache_offline_is_removed_and_reported(server, npz_bytes, monkeypatch):
    cached = imdb.cached_path()
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"not the file")
    monkeypatch.setenv("SUMCHAIN_IMDB_URL", closed_port_url())
    with pytest.raises(DataError, match="could not fetch"):
        load_dataset(IMDB)
    assert not cached.exists()


def test_offline_without_cache_is_one_helpful_line(server, monkeypatch):
    url = closed_port_url()
    monkeypatch.setenv("SUMCHAIN_IMDB_URL", url)
    with pytest.raises(DataError) as caught:
        load_dataset(IMDB)
    message = str(caught.value)
    assert "\n" not in message
    assert f"could not fetch {url}" in message
    assert str(imdb.cached_path()) in message and "data_path" in message and "dataset=synthetic" in message


def test_offline_exits_2_on_the_command_line(server, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("SUMCHAIN_IMDB_URL", closed_port_url())
    code = main(["simulate", "--set", "dataset=imdb", "--out", str(tmp_path / "run"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "dataset=synthetic works offline" in err


def test_local_copy_is_verified(server, tmp_path, npz_bytes):
    good = tmp_path / "copy.npz"
    good.write_bytes(npz_bytes)
    assert load_dataset({**IMDB, "data_path": str(good)}).X_test.shape == (40, 20)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(npz_bytes[:-1])
    with pytest.raises(DataError, match=r"SHA-256 [0-9a-f]{64}, expected [0-9a-f]{64}"):
        load_dataset({**IMDB, "data_path": str(bad)})
    with pytest.raises(DataError, match="does not exist"):
        load_dataset({**IMDB, "data_path": str(tmp_path / "missing.npz")})
    assert server.hits == []
