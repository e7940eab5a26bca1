"""Paper escrow shares: any two of three rebuild the key, one alone reveals nothing."""

from __future__ import annotations

import itertools
import secrets

import pytest

from autarcie.resilience import shamir
from autarcie.resilience.shamir import ShareError

KEY = secrets.token_bytes(32)


def test_field_multiplication_has_inverses() -> None:
    for a in range(1, 256):
        assert shamir.gf_mul(a, shamir.gf_div(1, a)) == 1


def test_any_two_of_three_shares_rebuild_the_key() -> None:
    shares = shamir.split(KEY, threshold=2, count=3)
    for pair in itertools.permutations(shares, 2):
        assert shamir.combine(list(pair)) == KEY
    assert shamir.combine(shares) == KEY


def test_one_share_is_consistent_with_every_possible_secret() -> None:
    (x, y), *_ = shamir.split(KEY)
    for position in range(len(KEY)):
        # For each candidate secret byte there is a slope that yields this share's byte.
        for candidate in range(256):
            assert any(candidate ^ shamir.gf_mul(slope, x) == y[position] for slope in range(256))


def test_paper_shares_round_trip_through_their_printed_text() -> None:
    papers = shamir.paper_shares(KEY, kind="D")
    for a, b in itertools.combinations(papers, 2):
        typed = [a.text().lower(), "  ".join(b.text().split())]
        assert shamir.recover([shamir.parse_share(t) for t in typed]) == ("D", KEY)


def test_a_miscopied_group_fails_its_checksum() -> None:
    text = shamir.paper_shares(KEY, kind="B")[0].text()
    head, first, rest = text.split(" ", 2)
    wrong = "0000" if first != "0000" else "1111"
    with pytest.raises(ShareError, match="checksum"):
        shamir.parse_share(f"{head} {wrong} {rest}")


def test_shares_of_two_different_keys_are_refused() -> None:
    one = shamir.paper_shares(KEY, kind="D")[0]
    other = shamir.paper_shares(secrets.token_bytes(32), kind="D")[1]
    with pytest.raises(ShareError, match="different keys"):
        shamir.recover([one, other])


def test_the_same_share_twice_is_not_enough() -> None:
    one = shamir.paper_shares(KEY, kind="D")[0]
    with pytest.raises(ShareError, match="2 different shares"):
        shamir.recover([one, one])


def test_garbage_is_refused_with_the_expected_shape() -> None:
    with pytest.raises(ShareError, match="must look like"):
        shamir.parse_share("hello world")
