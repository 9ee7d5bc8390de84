"""Inflating a capped body (robots.txt) ourselves: never more than the cap, at any layer."""

from __future__ import annotations

import gzip
import zlib

import pytest

from tdm_crawler.crawl.truncate import inflate_capped

TEXT = b"User-agent: *\nDisallow: /blocked/\n" + b"# padding\n" * 10_000


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("body", "encodings"),
    [
        pytest.param(gzip.compress(TEXT), [b"gzip"], id="gzip"),
        pytest.param(gzip.compress(TEXT), [b"X-GZIP"], id="x-gzip-any-case"),
        pytest.param(zlib.compress(TEXT), [b"deflate"], id="deflate-zlib"),
        pytest.param(_raw_deflate(TEXT), [b"deflate"], id="deflate-raw"),
        pytest.param(gzip.compress(gzip.compress(TEXT)), [b"gzip, gzip"], id="two-layers"),
        pytest.param(gzip.compress(zlib.compress(TEXT)), [b"deflate", b"gzip"], id="two-fields"),
        pytest.param(gzip.compress(TEXT), [b"identity, gzip"], id="identity-skipped"),
    ],
)
def test_decodes_every_layer_up_to_the_cap(body: bytes, encodings: list[bytes]) -> None:
    assert inflate_capped(body, encodings, len(TEXT) + 10) == TEXT
    assert inflate_capped(body, encodings, 100) == TEXT[:100]


def test_a_bomb_inflates_only_to_the_cap() -> None:
    bomb = gzip.compress(b"User-agent: *\nDisallow: /x\n" + b" " * (256 * 1024 * 1024))
    assert len(bomb) < 1024 * 1024
    inflated = inflate_capped(bomb, [b"gzip"], 512 * 1024 + 1)
    assert inflated is not None and len(inflated) == 512 * 1024 + 1
    assert inflated.startswith(b"User-agent: *\nDisallow: /x\n")


def test_a_cut_stream_gives_what_it_holds() -> None:
    body = gzip.compress(TEXT)[:200]
    inflated = inflate_capped(body, [b"gzip"], len(TEXT))
    assert inflated is not None and TEXT.startswith(inflated) and inflated


@pytest.mark.parametrize(
    ("body", "encodings"),
    [
        pytest.param(b"\x0b\x02\x80hello\x03", [b"br"], id="not-ours-br"),
        pytest.param(b"anything", [b"gzip, compress"], id="not-ours-compress"),
        pytest.param(b"not gzip at all", [b"gzip"], id="not-what-it-says"),
    ],
)
def test_what_it_cannot_decode_is_left_to_scrapy(body: bytes, encodings: list[bytes]) -> None:
    assert inflate_capped(body, encodings, 1000) is None
