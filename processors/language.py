"""A cheap language check: English function words against those of other Latin-script languages.

Headlines and wire snippets carry few function words, so the test is relative (English must not be
outnumbered), not a fixed share; non-Latin scripts are caught by the share of ASCII words."""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

_EN = frozenset("the of and to in a is that for on with as was by it at from his her their has have "
                "had be are were will would said says not but an this which who its after over against "
                "most more than about into also been could should there they we he she you before under "
                "between during while because since until all any some no up out new over amid".split())
# Common function words of other Latin-script languages, minus words that are also English.
_OTHER = {
    "fr": frozenset("le la les des du une et est dans pour sur avec qui que par pas au aux ce cette "
                    "ont été sont mais ou son ses leur".split()),
    "de": frozenset("der die das und ist nicht mit den dem des ein eine zu auf für von sich auch "
                    "wird wurde sind bei nach aus".split()),
    "es": frozenset("el los las del y en que por con una para es se su al lo como más pero sus ha "
                    "fue este esta".split()),
    "it": frozenset("il gli della delle di e che per con una sono non si nel alla dei è ha anche "
                    "come questo".split()),
    "pt": frozenset("os das dos e em que com uma para não se por mais como foi ao pelo pela são "
                    "seu sua".split()),
    "nl": frozenset("de het een en van is op te dat met voor niet zijn aan er ook als bij door "
                    "werd wordt".split()),
}


def detect_language(text: str, sample_chars: int = 4000) -> str:
    """'en' when the text reads as English, else 'und' (undetermined: no English rules run)."""
    words = [w.lower() for w in _WORD.findall(text[:sample_chars])]
    if not words:
        return "und"
    if sum(1 for w in words if w.isascii()) / len(words) < 0.6:
        return "und"
    en = sum(1 for w in words if w in _EN)
    other = max(sum(1 for w in words if w in vocab and w not in _EN) for vocab in _OTHER.values())
    if other > en:
        return "und"
    if en == 0 and len(words) >= 25:
        return "und"  # a long text with no English function word at all
    return "en"
