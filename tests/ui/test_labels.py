from ihub.ui.labels import LABELS


def test_every_language_has_every_label() -> None:
    english = set(LABELS["en"])
    for language, labels in LABELS.items():
        assert set(labels) == english, language
