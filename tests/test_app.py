"""Streamlit AppTest of the entry on a fresh database: the first start shows the seed."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def test_first_start_loads_the_seed_and_shows_it(app_db):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    # The default page is the overview; with no report yet every indicator is unreported.
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["项目数"] == "4"
    assert metrics["指标数"] == "59"
    assert metrics["年度资金总额(万元)"] == "615.95"
    assert at.query_params["as_of"]  # the as-of date is in the URL from the first run

    at.switch_page("pages/targets.py").run()
    assert not at.exception
    assert len(at.expander) == 4
    warnings = [w.value for w in at.warning]
    assert any("558.00" in w for w in warnings)
    frames = at.dataframe
    assert sorted(len(f.value) for f in frames) == [10, 13, 17, 19]
