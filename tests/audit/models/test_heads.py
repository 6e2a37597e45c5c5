"""Which head a checkpoint is scored with: auto detection from the config, and overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
from transformers import AutoConfig, BertConfig, DistilBertConfig, LlamaConfig, RobertaConfig

from audit.models import ModelLoadError, ModelSpec, detect_lm_head, load_model
from tests.tiny_masked_models import build_tiny_masked_model


@pytest.mark.parametrize(
    ("config", "head"),
    [
        (BertConfig(), "mlm"),
        (RobertaConfig(), "mlm"),
        (DistilBertConfig(), "mlm"),
        (AutoConfig.for_model("albert"), "mlm"),
        (AutoConfig.for_model("electra"), "mlm"),
        (BertConfig(is_decoder=True), "clm"),
        (BertConfig(architectures=["BertLMHeadModel"]), "clm"),
        (RobertaConfig(architectures=["RobertaForMaskedLM"]), "mlm"),
        (LlamaConfig(), "clm"),
        (AutoConfig.for_model("bart"), "clm"),
    ],
)
def test_auto_reads_the_config(config: object, head: str) -> None:
    assert detect_lm_head(config) == head  # type: ignore[arg-type]


def test_a_causal_checkpoint_stays_causal(tiny_llama_dir: Path) -> None:
    loaded = load_model(ModelSpec(str(tiny_llama_dir)))
    assert loaded.info.lm_head == "clm"
    assert loaded.info.to_dict()["spec"]["lm_head"] == "auto"


def test_safenlp_mask_id_on_a_causal_lm_is_refused(tiny_llama_dir: Path) -> None:
    with pytest.raises(ModelLoadError, match="safenlp_mask_id applies to masked LMs only"):
        load_model(ModelSpec(str(tiny_llama_dir), safenlp_mask_id=True))


def test_explicit_mlm_head_loads_a_masked_lm(tmp_path: Path) -> None:
    directory = build_tiny_masked_model(tmp_path / "bert", "bert")
    loaded = load_model(ModelSpec(str(directory), lm_head="mlm", safenlp_mask_id=True))
    assert loaded.info.lm_head == "mlm"
    assert type(loaded.model).__name__ == "BertForMaskedLM"
