"""`profanity-check`: a linear model over word n-grams, shipped inside its package."""

from __future__ import annotations

from collections.abc import Sequence

from audit.classifiers._protocol import ClassifierError, ClassifierInfo, ClassifierSpec

PROFANITY_DESCRIPTION = (
    "alt-profanity-check: a linear SVM over word n-grams trained on offensive comments; it "
    "detects offensive wording (profanity, insults), not implicit hate, so polite-sounding "
    "stereotypes score low"
)


class ProfanityCheckClassifier:
    """The `alt-profanity-check` package's calibrated probability of offensive language."""

    def __init__(self, spec: ClassifierSpec) -> None:
        if spec.args:
            raise ClassifierError(f"profanity-check takes no arguments, got {dict(spec.args)}")
        try:
            # This unpickles (joblib) the model file bundled inside the installed package:
            # the one pickle that stays, because no request can name another file here.
            from profanity_check import predict_prob
        except Exception as exc:  # ImportError, or its pickled model failing to unpickle
            raise ClassifierError(
                f"could not load profanity-check ({type(exc).__name__}: {exc}); "
                "install it with: pip install alt-profanity-check"
            ) from exc
        self._predict_prob = predict_prob
        self.info = ClassifierInfo(
            spec=spec,
            labels=("profanity",),
            headline="profanity",
            description=PROFANITY_DESCRIPTION,
        )

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        probabilities = self._predict_prob(list(texts))
        return [{"profanity": float(p)} for p in probabilities]
