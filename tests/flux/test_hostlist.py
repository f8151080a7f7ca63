from fluxstate_tui.flux.hostlist import hostlist_decode, hostlist_encode, idset_decode, idset_encode


def test_duplicate_names_stay_separate():
    # every test broker reports "vm": flux prints vm,vm,vm,vm (01-basic.txt)
    assert hostlist_encode(["vm"] * 4) == "vm,vm,vm,vm"


def test_ranges():
    assert hostlist_encode([f"flux-sample-{i}" for i in range(4)]) == "flux-sample-[0-3]"
    assert hostlist_encode(["flux-sample-1", "flux-sample-2"]) == "flux-sample-[1-2]"
    assert hostlist_encode(["n1", "n3", "n4"]) == "n[1,3-4]"
    assert hostlist_encode(["node01", "node02"]) == "node[01-02]"
    assert hostlist_encode(["flux-sample-0"]) == "flux-sample-0"
    assert hostlist_decode("flux-sample-[0-2],vm") == ["flux-sample-0", "flux-sample-1", "flux-sample-2", "vm"]
    assert hostlist_decode("node[01-02]") == ["node01", "node02"]


def test_idsets():
    assert idset_encode([0]) == "0"
    assert idset_encode([0, 1, 2, 3]) == "0-3"
    assert idset_encode([0, 1, 2, 3], brackets=True) == "[0-3]"
    assert idset_encode([0], brackets=True) == "0"
    assert idset_encode([0, 2, 3]) == "0,2-3"
    assert idset_decode("[1-2]") == [1, 2] and idset_decode("0,2-3") == [0, 2, 3]
