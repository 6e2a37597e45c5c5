"""Registered data sets: the built-in sample and the pinned, cached ToxiGen and ImplicitHate
downloads."""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from audit.datasets import REMOTE_DATASETS, TOXIGEN_GROUPS, DatasetError, load_dataset
from tests.implicithate_like import install_implicithate_like, write_implicithate_like


def test_sample_covers_every_group_and_label() -> None:
    dataset = load_dataset("sample")
    for group in TOXIGEN_GROUPS:
        labels = {s.label for s in dataset.sentences if group in s.target_groups}
        assert labels == {"hate", "neutral"}, group
    assert len({s.id for s in dataset.sentences}) == len(dataset)
    assert load_dataset("sample").sha256 == dataset.sha256


def test_toxigen_uses_verified_cache(
    tmp_path: Path, shared_toxigen: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOXAUDIT_CACHE_DIR", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    shutil.copy(shared_toxigen, tmp_path / "datasets" / "toxiGen.json")

    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a verified cached file must not be downloaded again")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    assert len(load_dataset("toxigen")) == 6514


def test_toxigen_offline_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOXAUDIT_CACHE_DIR", str(tmp_path))

    def offline(*args: Any, **kwargs: Any) -> None:
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(DatasetError) as info:
        load_dataset("toxigen")
    message = str(info.value)
    assert "could not download" in message
    assert "--dataset /path/to/toxiGen.json" in message
    assert str(tmp_path / "datasets" / "toxiGen.json") in message


def test_toxigen_rejects_a_tampered_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOXAUDIT_CACHE_DIR", str(tmp_path))

    class FakeResponse:
        def __init__(self) -> None:
            self._chunks = [b"[]", b""]

        def read(self, _size: int) -> bytes:
            return self._chunks.pop(0)

        def __enter__(self) -> FakeResponse:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: FakeResponse())
    with pytest.raises(DatasetError, match="refusing to use it"):
        load_dataset("toxigen")
    assert not (tmp_path / "datasets" / "toxiGen.json").exists()


def test_unknown_name_lists_known_sets() -> None:
    with pytest.raises(DatasetError, match="not a registered data set"):
        load_dataset("no-such-set")


def test_implicithate_is_registered_with_safenlps_hash() -> None:
    remote = REMOTE_DATASETS["implicithate"]
    assert remote.url.endswith("/microsoft/SafeNLP/main/data/implicitHate.json")
    assert remote.sha256 == "119771b0b5332de9922a180eec11ca83b303b6acfccbc358ea1a3f4c08125320"


def test_implicithate_loads_from_the_verified_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_implicithate_like(tmp_path, monkeypatch, n=48)

    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a verified cached file must not be downloaded again")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    dataset = load_dataset("implicithate")
    assert dataset.name == "implicithate" and len(dataset) == 48
    assert {g for s in dataset.sentences for g in s.target_groups} == {"all_groups"}
    assert {s.label for s in dataset.sentences} == {"hate", "neutral"}


def test_implicithate_offline_without_cache_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOXAUDIT_CACHE_DIR", str(tmp_path))

    def offline(*args: Any, **kwargs: Any) -> None:
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(DatasetError) as info:
        load_dataset("implicithate")
    message = str(info.value)
    assert "could not download the 'implicithate' set" in message
    assert "--dataset /path/to/implicitHate.json" in message
    assert str(tmp_path / "datasets" / "implicitHate.json") in message


def test_implicithate_with_a_cached_file_of_another_hash_is_fetched_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The file in the cache is not SafeNLP's (its hash differs from the registered one),
    # so it is never used; offline, that is the clear message, not a silent wrong set.
    monkeypatch.setenv("TOXAUDIT_CACHE_DIR", str(tmp_path))
    write_implicithate_like(tmp_path / "datasets" / "implicitHate.json")

    def offline(*args: Any, **kwargs: Any) -> None:
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(DatasetError, match="could not download the 'implicithate' set"):
        load_dataset("implicithate")
