"""Tests find the real ToxiGen set from any clone: shared copy, verified cache, download, skip."""

from __future__ import annotations

import urllib.error
from pathlib import Path

import pytest

from audit.datasets import file_sha256
from tests.real_toxigen import TOXIGEN, find_real_toxigen


@pytest.fixture
def published() -> bytes:
    """Bytes with the published hash: the real file, or a skip when no source has it."""
    found = find_real_toxigen(download=None)
    if found.path is None:
        pytest.skip(found.skip_reason())
    return found.path.read_bytes()


def _no_download(url: str, target: Path) -> Path:
    raise AssertionError("nothing should be downloaded here")


def _offline(url: str, target: Path) -> Path:
    raise urllib.error.URLError("Name or service not known")


def test_the_shared_copy_comes_first(tmp_path: Path) -> None:
    shared = tmp_path / "shared" / "toxiGen.json"
    shared.parent.mkdir()
    shared.write_text("[]")
    found = find_real_toxigen(shared, tmp_path / "cache.json", _no_download)
    assert found.path == shared


def test_then_a_cached_copy_with_the_published_hash(tmp_path: Path, published: bytes) -> None:
    cached = tmp_path / "cache" / "toxiGen.json"
    cached.parent.mkdir()
    cached.write_bytes(published)
    found = find_real_toxigen(tmp_path / "no-shared.json", cached, _no_download)
    assert found.path == cached


def test_then_a_download_into_the_cache_checked_by_hash(tmp_path: Path, published: bytes) -> None:
    cached = tmp_path / "cache" / "toxiGen.json"
    cached.parent.mkdir()
    cached.write_text("[] tampered")
    asked: list[str] = []

    def download(url: str, target: Path) -> Path:
        asked.append(url)
        partial = target.with_name(target.name + ".part")
        partial.write_bytes(published)
        return partial

    found = find_real_toxigen(tmp_path / "no-shared.json", cached, download)
    assert asked == [TOXIGEN.url]
    assert found.path == cached and file_sha256(cached) == TOXIGEN.sha256
    assert any("does not have the published sha256" in t for t in found.tried)


def test_a_download_with_another_hash_is_not_used(tmp_path: Path) -> None:
    cached = tmp_path / "cache" / "toxiGen.json"

    def download(url: str, target: Path) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        partial.write_text("[]")
        return partial

    found = find_real_toxigen(tmp_path / "no-shared.json", cached, download)
    assert found.path is None and not cached.exists()
    assert not cached.with_name(cached.name + ".part").exists()


def test_offline_without_a_copy_skips_saying_how_to_provide_it(tmp_path: Path) -> None:
    shared, cached = tmp_path / "no-shared.json", tmp_path / "cache" / "toxiGen.json"
    found = find_real_toxigen(shared, cached, _offline)
    assert found.path is None
    reason = found.skip_reason()
    assert f"no {shared}" in reason and f"no {cached}" in reason
    assert "the download failed (<urlopen error Name or service not known>)" in reason
    assert f"placing the file at {shared}, or at {cached} (sha256 {TOXIGEN.sha256}" in reason
