"""Russian tax identifiers: INN, KPP, OGRN and OGRNIP checks (rules of 1C's BSP module
``RegulatedDataClientServer``; also python-stdnum ``ru/inn``, ``ru/ogrn``).

Each ``*_problem`` function returns None for a valid value or a short reason a person can act
on. Empty values are the caller's business: whether an empty KPP is right depends on who owns
it (an individual entrepreneur has none).
"""

from __future__ import annotations

import re

__all__ = [
    "INN10_WEIGHTS",
    "INN12_WEIGHTS_11",
    "INN12_WEIGHTS_12",
    "inn_check_digits",
    "inn_problem",
    "kpp_problem",
    "ogrn_check_digit",
    "ogrn_problem",
]

INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
INN12_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
INN12_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_KPP = re.compile(r"\d{4}[\dA-Z]{2}\d{3}")


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10


def inn_check_digits(body: str) -> str:
    """The check digit(s) for the first 9 (legal entity) or 10 (individual) INN digits."""
    if len(body) == 9:
        return str(_weighted(body, INN10_WEIGHTS))
    if len(body) == 10:
        eleventh = str(_weighted(body, INN12_WEIGHTS_11))
        return eleventh + str(_weighted(body + eleventh, INN12_WEIGHTS_12))
    raise ValueError("an INN body has 9 or 10 digits")


def inn_problem(inn: str) -> str | None:
    if not inn.isdigit() or not inn.isascii():
        return "INN must consist of digits only"
    if len(inn) not in (10, 12):
        return f"INN must have 10 digits (organisation) or 12 (individual), not {len(inn)}"
    if set(inn) == {"0"}:
        return "INN cannot be all zeros"
    body = inn[:-1] if len(inn) == 10 else inn[:-2]
    if inn_check_digits(body) != inn[len(body) :]:
        return "INN check digit does not match"
    return None


def kpp_problem(kpp: str) -> str | None:
    if not _KPP.fullmatch(kpp):
        return "KPP must be 9 characters: 4 digits, 2 digits or capital letters A-Z, 3 digits"
    return None


def ogrn_check_digit(body: str) -> str:
    """The check digit for the first 12 (OGRN) or 14 (OGRNIP) digits."""
    if len(body) == 12:
        return str(int(body) % 11 % 10)
    if len(body) == 14:
        return str(int(body) % 13 % 10)  # BSP rule: last digit of the remainder
    raise ValueError("an OGRN body has 12 or 14 digits")


def ogrn_problem(ogrn: str) -> str | None:
    """OGRN (13 digits, legal entity) or OGRNIP (15 digits, individual entrepreneur)."""
    if not ogrn.isdigit() or not ogrn.isascii():
        return "OGRN must consist of digits only"
    if len(ogrn) not in (13, 15):
        return f"OGRN must have 13 digits (OGRNIP 15), not {len(ogrn)}"
    if len(ogrn) == 15 and ogrn[0] != "3":
        return "OGRNIP must start with 3"
    if ogrn_check_digit(ogrn[:-1]) != ogrn[-1]:
        return (
            "OGRN check digit does not match"
            if len(ogrn) == 13
            else ("OGRNIP check digit does not match")
        )
    return None
