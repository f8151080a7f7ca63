import pytest

from fluxstate_tui.flux.ids import dothex, f58_decode, f58_encode, fluid_make, fluid_parse, kvs_path, parse_jobid


@pytest.mark.parametrize("value,text", [(0, "ƒ1"), (1, "ƒ2"), (2**64 - 1, "ƒjpXCZedGfVQ"), (11072962560, "ƒHsUpzb"),
                                        (35097935872, "ƒvUV6YP")])
def test_f58_vectors(value, text):
    assert f58_encode(value) == text
    assert f58_encode(value, ascii=True) == "f" + text[1:]
    assert f58_decode(text) == value and f58_decode("f" + text[1:]) == value


def test_other_forms():
    # 01-basic.txt: flux job id --to=... ƒvUV6YP
    assert dothex(35097935872) == "0000.0008.2c00.0000"
    assert kvs_path(35097935872) == "job.0000.0008.2c00.0000"
    for form in ("35097935872", "0x82c000000", "0000.0008.2c00.0000", "job.0000.0008.2c00.0000", "fvUV6YP", "ƒvUV6YP"):
        assert parse_jobid(form) == 35097935872
    assert parse_jobid("ƒ1111111111") == 0
    assert dothex(2**64 - 1) == "ffff.ffff.ffff.ffff"


def test_fluid_roundtrip():
    v = fluid_make(2092, 0, 0)
    assert v == 35097935872
    assert fluid_parse(fluid_make(123456, 5, 7)) == (123456, 5, 7)


@pytest.mark.parametrize("bad", ["", "ƒ", "x12", "0xzz", "1.2.3", "-5", "ƒ0OIl", str(2**64)])
def test_bad_ids(bad):
    with pytest.raises(ValueError):
        parse_jobid(bad)
