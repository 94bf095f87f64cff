"""The fast path of `jsonsafe.loads` (a body with nothing to repair skips the walk) must keep every promise of the
walk: what jsonb refuses is still replaced and recorded, however it is written, and a deep body is still refused."""

from __future__ import annotations

import json

import pytest

from bot import jsonsafe


def test_an_ordinary_body_is_decoded_as_json_decodes_it_with_nothing_changed() -> None:
    body = json.dumps({"type": "wall_reply_new", "object": {"text": "Когда починят фонарь? NaN раз просили",
                                                             "n": [1, 2.5, None]}}, ensure_ascii=False).encode()
    value, changes = jsonsafe.loads(body)
    assert value == json.loads(body) and changes == [], "a word like NaN in a comment changes nothing"


@pytest.mark.parametrize(("body", "path"), [
    (b'{"t": "a\\u0000b"}', "t"),
    (b'{"t": "a\\uD83Db"}', "t"),
    (b'{"t": "a\\udfffb"}', "t"),
    ('{"t": "a\ud83db"}'.encode("utf-8", "surrogatepass"), "t"),  # a raw surrogate, not an escape
    (b'{"n": NaN}', "n"),
    (b'{"n": -Infinity}', "n"),
    (b'{"n": 1e400}', "n"),  # overflows to infinity
])
def test_what_jsonb_refuses_is_replaced_however_it_is_written(body: bytes, path: str) -> None:
    value, changes = jsonsafe.loads(body)
    assert [c["path"] for c in changes] == [path]
    assert value[path] in (None, "a\ufffdb")


def test_a_body_nested_deeper_than_any_real_payload_is_refused() -> None:
    depth = jsonsafe.MAX_DEPTH + 5  # far below Python's recursion limit: the walk, not json, must refuse it
    with pytest.raises(jsonsafe.TooDeep):
        jsonsafe.loads(b'{"o": ' + b"[" * depth + b"]" * depth + b"}")
    value, changes = jsonsafe.loads(b'{"o": ' + b"[" * 50 + b"]" * 50 + b"}")
    assert changes == [] and isinstance(value["o"], list)


def test_a_byte_order_mark_is_read_as_json_reads_it() -> None:
    assert jsonsafe.loads('{"a": 1}'.encode("utf-8-sig")) == ({"a": 1}, [])
    with pytest.raises(ValueError):
        jsonsafe.loads('\ufeff{"a": 1}')
    with pytest.raises(ValueError):
        jsonsafe.loads(b"\xff\xfe not json")


def test_escaped_letters_and_emoji_are_decoded_and_kept() -> None:
    body = json.dumps({"text": "Привет 😀"}).encode()  # every letter escaped, the emoji as a surrogate pair
    assert b"\\u041f" in body and b"\\ud83d" in body
    assert jsonsafe.loads(body) == ({"text": "Привет 😀"}, [])


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-le", "utf-32"])
@pytest.mark.parametrize("bad", ['"a\\u0000b"', '"a\\ud83db"', '"a\ud83db"'])  # escaped, and a raw surrogate
def test_the_bytes_check_finds_what_the_text_check_finds_in_every_encoding(encoding: str, bad: str) -> None:
    body = ('{"k": "한국어 и русский", "t": ' + bad + "}").encode(encoding, "surrogatepass")
    text = jsonsafe.text_of(body)
    for value, changes in (jsonsafe.loads(body), jsonsafe.loads(text, body), jsonsafe.loads(text)):
        assert [c["path"] for c in changes] == ["t"] and value["t"] == "a\ufffdb"
        assert value["k"] == "한국어 и русский"


def test_a_body_with_byte_0xed_but_nothing_to_repair_is_kept_as_it_is() -> None:
    body = '{"t": "한국어 — 0xED starts these letters"}'.encode()
    assert b"\xed" in body
    assert jsonsafe.loads(body) == ({"t": "한국어 — 0xED starts these letters"}, [])
