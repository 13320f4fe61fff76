"""Render the first page of the 自评表 PDF and of the 监控表 PDF, and two pages of the review deck (the
summary and a project page), to PNG for the README.

    .venv/bin/python scripts/make_export_images.py

The seed with the sample report (data/samples/actuals_2026.xlsx) as of 2026-12-31, in a database in
memory; the deck PDF through analytics.deck, each page rasterised by pdftoppm and reduced to 256
colours (the files are in git). The forms go through the export service as the 导出 page makes them
(project 2, whose 监控表 has reasons, categories and 全年预计 from the sample). Writes
docs/exports/selfeval.png, monitor.png, deck_summary.png and deck_project.png.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import deck, services  # noqa: E402 — after the path, when run as a script
from analytics.dashboard import Filters, build_view  # noqa: E402
from analytics.exporting import ExportRequest, run_export  # noqa: E402
from analytics.presenting import discussion, presenter_order  # noqa: E402
from analytics.settings import load_settings  # noqa: E402
from analytics.storage import Store  # noqa: E402

AS_OF = date(2026, 12, 31)
OUT = ROOT / "docs" / "exports"


def main() -> None:
    sample = ROOT / "data" / "samples" / "actuals_2026.xlsx"
    store = Store.open(None)
    services.load_seed_if_empty(store)
    services.load_report(store, sample.read_bytes(), sample.name, today=AS_OF)
    settings = load_settings()
    view = build_view(store, Filters(as_of=AS_OF))
    pdf = deck.deck_pdf(store, view, settings, "截至 2026年12月31日 · 由项目支出绩效目标仪表盘生成")
    order = presenter_order(view, settings.review.default_order)
    # The project page shown: the one with the most to discuss, so the table is on the picture.
    busiest = max(order, key=lambda pid: len(discussion(store, view, pid)))
    one = Filters(as_of=AS_OF, project_ids=(2,))
    files = {
        "deck.pdf": (pdf, {"deck_summary.png": 1, "deck_project.png": order.index(busiest) + 2}),
        "selfeval.pdf": (run_export(store, ExportRequest("selfeval", "pdf", one), None, "示例"), {"selfeval.png": 1}),
        "monitor.pdf": (run_export(store, ExportRequest("monitor", "pdf", one, 11), None, "示例"), {"monitor.png": 1}),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for file, (data, pages) in files.items():
            path = Path(tmp) / file
            path.write_bytes(data)
            for name, number in pages.items():
                stem = Path(tmp) / f"p{number}"
                subprocess.run(["pdftoppm", "-r", "110", "-png", "-singlefile", "-f", str(number), "-l", str(number),
                                str(path), str(stem)], check=True)
                with Image.open(stem.with_suffix(".png")) as im:
                    im.convert("RGB").quantize(256).save(OUT / name, optimize=True)
                print(OUT / name)
    store.close()


if __name__ == "__main__":
    main()
