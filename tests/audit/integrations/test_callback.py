"""SafetyAuditCallback in a real two-step `transformers.Trainer` run, both modes."""

from __future__ import annotations

import json
import logging
import math
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from transformers import TrainerCallback

from audit.datasets import load_dataset
from audit.integrations import SafetyAuditCallback, seeded_subset
from audit.models import ModelSpec, load_model
from audit.pipeline import score_sentences
from audit.scoring import safety_scores

SUBSET_SIZE = 52
SEED = 3


def _train(model_dir: Path, output_dir: Path, callbacks: list[Any]) -> Any:
    """Two optimizer steps of the tiny model, a checkpoint saved after each."""
    from transformers import (
        AutoModelForCausalLM,
        AutoTokenizer,
        Trainer,
        TrainingArguments,
        default_data_collator,
    )

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    model = AutoModelForCausalLM.from_pretrained(str(model_dir))
    texts = [s.text for s in load_dataset("sample").sentences[:4]]
    encoded = [tokenizer(text)["input_ids"] for text in texts]
    length = min(len(ids) for ids in encoded)
    rows = [{"input_ids": ids[:length], "labels": ids[:length]} for ids in encoded]
    args = TrainingArguments(
        output_dir=str(output_dir),
        max_steps=2,
        save_steps=1,
        save_strategy="steps",
        save_only_model=True,
        per_device_train_batch_size=2,
        learning_rate=0.05,  # large, so the two checkpoints really differ
        logging_steps=1,
        report_to=[],
        use_cpu=True,
        disable_tqdm=True,
        seed=0,
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=rows,
        data_collator=default_data_collator,  # equal lengths: no padding token needed
        processing_class=tokenizer,
        callbacks=callbacks,
    )
    trainer.train()
    return trainer


class _ModeAfterSave(TrainerCallback):
    """Runs after the audit callback: what mode each module is in once it has returned."""

    def __init__(self) -> None:
        self.modes: dict[int, set[bool]] = {}

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.modes[state.global_step] = {m.training for m in kwargs["model"].modules()}


def test_scoring_logs_each_checkpoint_as_scoring_the_saved_directory_would(
    tiny_llama_dir: Path, tmp_path: Path
) -> None:
    callback = SafetyAuditCallback.scoring("sample", subset_size=SUBSET_SIZE, seed=SEED)
    after = _ModeAfterSave()
    trainer = _train(tiny_llama_dir, tmp_path / "run", [callback, after])

    assert callback.subset == seeded_subset(load_dataset("sample"), SUBSET_SIZE, SEED)
    # Every group keeps both labels in the subset, so every group is scored.
    assert {(g, s.label) for s in callback.subset for g in s.target_groups} == {
        (g, label) for g in load_dataset("sample").groups for label in ("hate", "neutral")
    }
    entries = [e for e in trainer.state.log_history if "safety/average" in e]
    assert [e["step"] for e in entries] == [1, 2]
    assert after.modes == {1: {True}, 2: {True}}  # back in train mode right after each save

    perplexities = []
    for entry in entries:
        step = entry["step"]
        assert 0.0 <= entry["safety/average"] <= 1.0
        checkpoint = tmp_path / "run" / f"checkpoint-{step}"
        assert callback.scores[step].checkpoint == str(checkpoint.resolve())
        loaded = load_model(ModelSpec(str(checkpoint), device="cpu", dtype="float32"))
        rows, _run = score_sentences(loaded, callback.subset, progress=False)
        perplexities.append([r.perplexity for r in rows])
        direct = safety_scores(rows, n_resamples=200, seed=SEED)
        assert direct.average is not None
        assert entry["safety/average"] == pytest.approx(direct.average, abs=1e-6)
        assert entry["safety/average_ci_low"] == pytest.approx(direct.average_ci_low, abs=1e-6)
        for group in direct.groups:
            assert group.score is not None
            assert entry[f"safety/group/{group.group}"] == pytest.approx(group.score, abs=1e-6)
    # The two checkpoints are different models, so matching both means each was scored
    # with its own weights.
    assert not all(
        math.isclose(a, b, rel_tol=1e-6)
        for a, b in zip(perplexities[0], perplexities[1], strict=True)
        if a is not None and b is not None
    )

    # Scoring leaves training as it was: the same losses and the same final weights as
    # a run without the callback (no RNG drawn, no gradient kept, every mode restored).
    import torch

    plain = _train(tiny_llama_dir, tmp_path / "plain", [])
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    assert losses == [e["loss"] for e in plain.state.log_history if "loss" in e]
    for (name, audited), (_name, untouched) in zip(
        trainer.model.named_parameters(), plain.model.named_parameters(), strict=True
    ):
        assert torch.equal(audited, untouched), name

    # A checkpoint is scored once, even when the Trainer reports its save again.
    callback.on_save(
        trainer.args,
        trainer.state,
        trainer.control,
        model=trainer.model,
        processing_class=trainer.processing_class,
    )
    assert len([e for e in trainer.state.log_history if "safety/average" in e]) == 2


def test_scoring_without_a_tokenizer_stops_before_training(
    tiny_llama_dir: Path, tmp_path: Path
) -> None:
    from transformers import TrainerControl, TrainerState, TrainingArguments

    callback = SafetyAuditCallback.scoring("sample", subset_size=8)
    args = TrainingArguments(output_dir=str(tmp_path), report_to=[], use_cpu=True)
    with pytest.raises(ValueError, match="needs the model's tokenizer"):
        callback.on_train_begin(args, TrainerState(), TrainerControl(), processing_class=None)


def test_scoring_refuses_a_masked_lm_before_training(tmp_path: Path) -> None:
    from transformers import (
        BertConfig,
        BertForMaskedLM,
        TrainerControl,
        TrainerState,
        TrainingArguments,
    )

    config = BertConfig(
        vocab_size=50,
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
    )
    callback = SafetyAuditCallback.scoring("sample", subset_size=8)
    args = TrainingArguments(output_dir=str(tmp_path), report_to=[], use_cpu=True)
    with pytest.raises(ValueError, match="BertForMaskedLM is a masked LM"):
        callback.on_train_begin(
            args,
            TrainerState(),
            TrainerControl(),
            model=BertForMaskedLM(config),
            processing_class=object(),
        )


def test_a_checkpoint_that_cannot_be_scored_is_recorded_and_training_goes_on(
    tiny_llama_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from transformers import AutoModelForCausalLM, TrainerControl, TrainerState, TrainingArguments

    def broken_tokenizer(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("tokenizer exploded")

    callback = SafetyAuditCallback.scoring("sample", subset_size=8, tokenizer=broken_tokenizer)
    model = AutoModelForCausalLM.from_pretrained(str(tiny_llama_dir))
    model.train()
    args = TrainingArguments(output_dir=str(tmp_path), report_to=[], use_cpu=True)
    state = TrainerState()
    state.global_step = 5
    with caplog.at_level(logging.ERROR, logger="audit.integrations._callback"):
        callback.on_save(args, state, TrainerControl(), model=model)
    record = callback.scores[5]
    assert record.scores is None and record.metrics == {}
    assert record.unscored_reason == "RuntimeError: tokenizer exploded"
    assert "checkpoint 5 could not be scored" in caplog.text
    assert state.log_history == []  # nothing made up in the trainer's log
    assert all(m.training for m in model.modules())


def test_a_resumed_run_does_not_score_its_earlier_steps_again(tmp_path: Path) -> None:
    from transformers import TrainerControl, TrainerState, TrainingArguments

    callback = SafetyAuditCallback.scoring("sample", subset_size=8)
    args = TrainingArguments(output_dir=str(tmp_path), report_to=[], use_cpu=True)
    state = TrainerState()
    state.log_history = [{"loss": 2.0, "step": 1}, {"safety/average": 0.5, "step": 1}]
    callback.on_train_begin(args, state, TrainerControl(), processing_class=object())
    state.global_step = 1
    # No model is given: scoring would have recorded a failure for step 1.
    callback.on_save(args, state, TrainerControl(), model=None)
    assert callback.scores == {}
    assert len(state.log_history) == 2


class _Recorder(BaseHTTPRequestHandler):
    """POST /api/audits held until the test releases it, then answered as the API does."""

    server: _AuditServer

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.received.set()
        self.server.release.wait(30)
        with self.server.lock:
            self.server.requests.append((self.path, self.headers["Authorization"], body))
            audit_id = len(self.server.requests)
        payload = json.dumps({"id": audit_id, "reused": False}).encode()
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _AuditServer(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Recorder)
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        self.lock = threading.Lock()
        self.received = threading.Event()
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def audit_server() -> Iterator[_AuditServer]:
    server = _AuditServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


class _ReleaseAtTrainEnd(TrainerCallback):
    """Runs before the audit callback: sees what had been answered when training ended."""

    def __init__(self, server: _AuditServer) -> None:
        self.server = server
        self.answered_at_end: int | None = None

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        with self.server.lock:
            self.answered_at_end = len(self.server.requests)
        self.server.release.set()


class _InFlightAfterSave(TrainerCallback):
    """Runs after the audit callback: was each save's submission still unanswered when
    its on_save had returned?"""

    def __init__(self, audit: SafetyAuditCallback) -> None:
        self.audit = audit
        self.in_flight: dict[int, bool] = {}

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.in_flight[state.global_step] = state.global_step not in self.audit.submissions


def test_submitting_posts_each_checkpoint_without_holding_training(
    tiny_llama_dir: Path, tmp_path: Path, audit_server: _AuditServer
) -> None:
    from api._schemas import AuditCreate

    callback = SafetyAuditCallback.submitting(
        audit_server.url, "secret-token", dataset="sample", options={"resamples": 100}
    )
    releaser = _ReleaseAtTrainEnd(audit_server)
    in_flight = _InFlightAfterSave(callback)
    _train(tiny_llama_dir, tmp_path / "run", [releaser, callback, in_flight])

    # The server held every request until training had ended: both saves returned while
    # their submissions were still unanswered, so training never waited for the service.
    assert in_flight.in_flight == {1: True, 2: True}
    assert releaser.answered_at_end == 0
    assert audit_server.received.is_set()
    # on_train_end waited for both.
    assert sorted(callback.submissions) == [1, 2]
    assert len(audit_server.requests) == 2
    for path, authorization, body in audit_server.requests:
        step = body["step"]
        assert path == "/api/audits"
        assert authorization == "Bearer secret-token"
        assert body["model"] == str((tmp_path / "run" / f"checkpoint-{step}").resolve())
        assert body["label"] == f"run/checkpoint-{step}"
        assert body["dataset"] == "sample"
        AuditCreate.model_validate(body)  # the API's own request model accepts it
        assert callback.submissions[step].audit_id is not None
        assert callback.submissions[step].error is None
    assert sorted(body["step"] for _path, _auth, body in audit_server.requests) == [1, 2]


def test_a_service_that_is_down_only_logs_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from transformers import TrainerControl, TrainerState, TrainingArguments

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    callback = SafetyAuditCallback.submitting(f"http://127.0.0.1:{port}", "secret-token")
    state = TrainerState()
    state.global_step = 7
    with caplog.at_level(logging.WARNING, logger="audit.integrations"):
        args = TrainingArguments(output_dir=str(tmp_path), report_to=[], use_cpu=True)
        callback.on_save(args, state, TrainerControl())
        assert callback.wait(30)
    submission = callback.submissions[7]
    assert submission.audit_id is None
    assert submission.error is not None and "cannot reach" in submission.error
    assert "checkpoint 7 not submitted" in caplog.text
    assert "secret-token" not in caplog.text


def test_bad_settings_are_refused_when_the_callback_is_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TOXAUDIT_TOKEN", raising=False)
    with pytest.raises(ValueError, match="write token"):
        SafetyAuditCallback.submitting("http://127.0.0.1:1", "")
    with pytest.raises(ValueError, match="http://"):
        SafetyAuditCallback.submitting("127.0.0.1:8000", "t")
    with pytest.raises(ValueError, match="placeholder"):
        SafetyAuditCallback.submitting("http://127.0.0.1:1", "t", label="run-{epoch}")
    with pytest.raises(ValueError, match="subset_size"):
        SafetyAuditCallback.scoring("sample", subset_size=0)
