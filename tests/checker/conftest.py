"""`search_path`: run a test once through the compiled WGL loop and once through Python."""

import pytest
import taala.checker.wgl as wgl

BUILT = wgl.compiled


@pytest.fixture(params=["compiled", "python"])
def search_path(request, monkeypatch):
    if request.param == "compiled":
        if BUILT is None:
            pytest.skip("taala._wgl is not built (no C compiler at install time)")
        monkeypatch.setattr(wgl, "compiled", BUILT)
    else:
        monkeypatch.setattr(wgl, "compiled", None)
    return request.param
